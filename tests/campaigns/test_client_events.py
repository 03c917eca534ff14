"""My clients' events: an advisor records a client's upcoming life event; pending ones are
suggested (with the approved template, the name sent by POST) until a message for them is
composed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from advisor_hub.audit.models import AuditEvent
from advisor_hub.campaigns import client_events, recommend
from advisor_hub.campaigns.models import ClientEvent
from advisor_hub.errors import NotFound, ValidationError
from approvals import services as approvals
from content_library import life_events
from content_library.models import LifeEventType

pytestmark = pytest.mark.both_backends


def _kind(session, key: str) -> LifeEventType:
    return session.scalar(select(LifeEventType).where(LifeEventType.key == key))


def _template(bank, key: str = "wedding", language: str = "en",
              text: str = "Congratulations {client_first_name}! {advisor_first_name}") -> int:
    template = life_events.create_template(bank.session, actor=bank.marketing,
                                           type_id=_kind(bank.session, key).id,
                                           language=language, text=text)
    life_events.submit_template(bank.session, actor=bank.marketing, template_id=template.id)
    approvals.decide(bank.session, review_id=template.review_id, actor=bank.compliance,
                     decision="approve")
    return template.id


def _today(advisor) -> date:
    return client_events.today_for(advisor)


# -- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Bob2", "www.evil.example", "<b>Bob</b>", "Bob\u200b",
                                  "x" * 41, " "])
def test_the_client_name_meets_the_personalisation_rule(db_session, bank, ctx, name) -> None:
    advisor = bank.advisor()
    with pytest.raises(ValidationError) as refused:
        client_events.add_event(db_session, advisor=advisor, client_first_name=name,
                                event_type_id=_kind(db_session, "wedding").id,
                                event_date=_today(advisor) + timedelta(days=3))
    assert refused.value.field == "client_first_name"


def test_kind_and_date_are_checked_and_changes_audited(db_session, bank, ctx) -> None:
    advisor = bank.advisor()
    wedding = _kind(db_session, "wedding").id
    for kwargs, field in (({"event_type_id": 999_999}, "event_type_id"),
                          ({"event_date": _today(advisor) - timedelta(days=1)}, "event_date"),
                          ({"event_date": _today(advisor) + timedelta(days=400)},
                           "event_date")):
        values = {"client_first_name": "Bob", "event_type_id": wedding,
                  "event_date": _today(advisor) + timedelta(days=3), **kwargs}
        with pytest.raises(ValidationError) as refused:
            client_events.add_event(db_session, advisor=advisor, **values)
        assert refused.value.field == field
    event = client_events.add_event(db_session, advisor=advisor,
                                    client_first_name="  Zoé   Anne-Marie ",
                                    event_type_id=wedding, event_date=_today(advisor))
    assert event.client_first_name == "Zoé Anne-Marie"
    other = bank.advisor()
    with pytest.raises(NotFound):
        client_events.delete_event(db_session, advisor=other, event_id=event.id)
    client_events.delete_event(db_session, advisor=advisor, event_id=event.id)
    actions = [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "campaign_client_events").order_by(AuditEvent.id))]
    assert actions == ["client_event.added", "client_event.deleted"]


def test_pending_events_become_suggestions_ranked_by_the_documented_weights(
        db_session, bank, ctx) -> None:
    advisor = bank.advisor(first_name="Alice")
    template_id = _template(bank)
    wedding, birth = _kind(db_session, "wedding").id, _kind(db_session, "birth").id
    today = _today(advisor)
    client_events.add_event(db_session, advisor=advisor, client_first_name="Bob",
                            event_type_id=wedding, event_date=today + timedelta(days=10))
    client_events.add_event(db_session, advisor=advisor, client_first_name="Carla",
                            event_type_id=wedding, event_date=today + timedelta(days=2))
    # Too far ahead (outside the 14-day window), and a kind without an approved template.
    client_events.add_event(db_session, advisor=advisor, client_first_name="Dan",
                            event_type_id=wedding, event_date=today + timedelta(days=30))
    client_events.add_event(db_session, advisor=advisor, client_first_name="Eve",
                            event_type_id=birth, event_date=today + timedelta(days=1))
    found = [s for s in recommend.suggestions_for(db_session, advisor, limit=10,
                                                  with_events=True) if s.event_id]
    assert [(s.client_first_name, s.score, s.template_id) for s in found] == [
        ("Carla", 8 + 0.25 * 12, template_id), ("Bob", 8 + 0.25 * 4, template_id)]
    assert recommend.score_event(0, window=14) == 11.5
    assert recommend.score_event(20, window=14) == 8.0
    from flask_babel import force_locale

    with force_locale("en"):
        when = (today + timedelta(days=10)).strftime("%-d %b")
        assert found[1].explanation == f"Bob's wedding on {when}: send a congratulation"
    with force_locale("fr"):
        assert found[1].explanation.startswith("Mariage de Bob le ")
    # The digest (one-click library posts) asks without events; library posts tagged with a
    # pending kind score higher.
    assert all(s.event_id is None for s in recommend.suggestions_for(db_session, advisor,
                                                                     limit=10))
    assert client_events.pending_kinds(db_session, advisor) == {"wedding", "birth"}


def test_bereavement_is_not_congratulated(db_session, bank, ctx) -> None:
    advisor = bank.advisor()
    _template(bank, "bereavement", text="Our thoughts are with you, {client_first_name}.")
    client_events.add_event(db_session, advisor=advisor, client_first_name="Bob",
                            event_type_id=_kind(db_session, "bereavement").id,
                            event_date=_today(advisor) + timedelta(days=1))
    (event,) = [s for s in recommend.suggestions_for(db_session, advisor, with_events=True)
                if s.event_id]
    assert "condolences" in event.explanation and "congratulation" not in event.explanation


# -- the screens -------------------------------------------------------------------------------


def test_the_page_lists_adds_and_deletes_with_pagination_and_empty_state(
        client, auth, db_session, bank) -> None:
    advisor = bank.advisor(language="fr")
    db_session.flush()
    auth.login(advisor)
    page = client.get("/campaigns/clients/events").get_data(as_text=True)
    assert "Aucun événement client" in page and "Mes événements clients" in page
    wedding = _kind(db_session, "wedding").id
    day = (_today(advisor) + timedelta(days=5)).isoformat()
    refused = client.post("/campaigns/clients/events", data={
        "client_first_name": "Bob 2", "event_type_id": wedding, "event_date": day})
    assert refused.status_code == 200 and "doit être un nom simple" in \
        refused.get_data(as_text=True)
    for n in range(22):
        name = "Bob" + "abcdefghijklmnopqrstuvwxyz"[n]
        assert client.post("/campaigns/clients/events", data={
            "client_first_name": name, "event_type_id": wedding,
            "event_date": day}).status_code == 302
    first = client.get("/campaigns/clients/events").get_data(as_text=True)
    assert first.count('data-event="') == 20 and 'rel="next"' in first
    second = client.get("/campaigns/clients/events?page=2").get_data(as_text=True)
    assert second.count('data-event="') == 2 and "Mariage" in second
    event_id = db_session.scalars(select(ClientEvent.id).order_by(ClientEvent.id)).first()
    assert 'data-confirm="' in first  # the delete button asks first
    assert client.post(f"/campaigns/clients/events/{event_id}/delete").status_code == 302
    db_session.expire_all()
    assert db_session.get(ClientEvent, event_id) is None


def test_another_advisors_event_is_404(client, auth, db_session, bank) -> None:
    owner, other = bank.advisor(), bank.advisor()
    event = client_events.add_event(db_session, advisor=owner, client_first_name="Bob",
                                    event_type_id=_kind(db_session, "wedding").id,
                                    event_date=_today(owner) + timedelta(days=3))
    db_session.flush()
    auth.login(other)
    assert client.post(f"/campaigns/clients/events/{event.id}/delete").status_code == 404
    assert "Bob" not in client.get("/campaigns/clients/events").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(ClientEvent, event.id) is not None


def test_the_suggestion_posts_the_name_to_the_composer_and_composing_ends_it(
        client, auth, db_session, bank) -> None:
    advisor = bank.advisor(first_name="Alice")
    template_id = _template(bank)
    event = client_events.add_event(db_session, advisor=advisor, client_first_name="Bob",
                                    event_type_id=_kind(db_session, "wedding").id,
                                    event_date=_today(advisor) + timedelta(days=3))
    db_session.flush()
    auth.login(advisor)
    home = client.get("/").get_data(as_text=True)
    card = home.split(f'data-event="{event.id}"', 1)[1].split("</form>", 1)[0]
    assert "Bob&#39;s wedding on" in card and "send a congratulation" in card
    action = re.search(r'action="([^"]+)"', card).group(1)
    assert action == f"/publishing/compose?template_id={template_id}" and "Bob" not in action
    assert 'name="client_first_name" value="Bob"' in card and 'name="prefill"' in card
    composer = client.post(action, data={"prefill": "1", "client_first_name": "Bob",
                                         "csrf_token": ""})
    assert composer.status_code == 200 and "Congratulations Bob! Alice" in \
        composer.get_data(as_text=True)
    account = next(a for a in bank.accounts.values() if a.user_id == advisor.id)
    done = client.post(action, data={"template_id": template_id, "client_first_name": "bob",
                                     "text": "Congratulations Bob! Alice",
                                     "account_ids": [account.id], "when_mode": "now"})
    assert done.status_code == 302, done.get_data(as_text=True)
    db_session.expire_all()
    event = db_session.get(ClientEvent, event.id)
    assert event.composed_at is not None and event.post_id is not None
    assert f'data-event="{event.id}"' not in client.get("/").get_data(as_text=True)
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "client_event.composed")).actor_id == advisor.id


def test_client_events_leave_a_slot_to_a_library_post(db_session, bank, ctx) -> None:
    """Three near events do not push every library post out of "Suggested for you"."""
    advisor = bank.advisor(first_name="Alice")
    _template(bank)
    bank.version("Savings week")
    wedding = _kind(db_session, "wedding").id
    for n, name in enumerate(["Bob", "Carla", "Dan"]):
        client_events.add_event(db_session, advisor=advisor, client_first_name=name,
                                event_type_id=wedding,
                                event_date=_today(advisor) + timedelta(days=n + 1))
    shown = recommend.suggestions_for(db_session, advisor, limit=3, with_events=True)
    assert [s.client_first_name for s in shown if s.event_id] == ["Bob", "Carla"]
    assert [s.title for s in shown if s.event_id is None] == ["Savings week"]
