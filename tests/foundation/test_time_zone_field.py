"""The time-zone field: every zone grouped by region in <optgroup>s, labelled by place (so a
closed list is type-searchable), defaulting to the branch's zone for a new user."""

from __future__ import annotations

import html
import json
import re

from advisor_hub.accounts import services


def test_zones_are_grouped_by_region_and_labelled_by_place() -> None:
    groups = services.time_zone_groups()
    assert ("Europe/Paris", "Paris") in groups["Europe"]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires (Argentina)") in groups["Americas"]
    assert groups["UTC"] == [("UTC", "UTC")]
    every = [zone for choices in groups.values() for zone, _ in choices]
    assert len(every) == len(set(every)) > 300
    assert not any(zone.startswith(("US/", "Etc/")) for zone in every)


def test_the_admin_form_lists_zones_in_optgroups(client, auth, factory) -> None:
    auth.login(factory.user("admin"))
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<optgroup label="Europe">' in page and '<optgroup label="Americas">' in page
    assert re.search(r'<option selected value="Europe/Paris">Paris</option>', page)


def test_in_french_the_regions_are_french(client, auth, factory) -> None:
    auth.login(factory.user("advisor", language="fr"))
    page = client.get("/preferences").get_data(as_text=True)
    assert '<optgroup label="Amériques">' in page
    assert '<option selected value="Europe/Paris">Paris</option>' in page


def test_the_new_user_form_knows_each_branch_zone(client, auth, factory, db_session) -> None:
    branch = factory.branch("Montréal")
    factory.user("advisor", branch=branch, time_zone="America/Toronto")
    factory.user("advisor", branch=branch, time_zone="America/Toronto")
    factory.user("advisor", branch=branch, time_zone="Europe/Paris")
    auth.login(factory.user("admin"))
    assert services.branch_time_zones(db_session)[branch.id] == "America/Toronto"
    page = client.get("/admin/users/new").get_data(as_text=True)
    zones = html.unescape(re.search(r"data-branch-zones=\"([^\"]+)\"", page).group(1))
    assert json.loads(zones)[str(branch.id)] == "America/Toronto"


def test_an_old_alias_stays_choosable(client, auth, factory) -> None:
    user = factory.user("advisor", time_zone="US/Pacific")
    auth.login(user)
    page = client.get("/preferences").get_data(as_text=True)
    assert '<option selected value="US/Pacific">US/Pacific</option>' in page
