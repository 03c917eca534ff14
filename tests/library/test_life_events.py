"""Life-event templates: types, lifecycle, versions, safe rendering for the advisor."""

from __future__ import annotations

import pytest

from advisor_hub.errors import Conflict, NotFound, PermissionDenied, ValidationError
from approvals.models import ReviewStatus
from content_library import life_events, services
from content_library.errors import RenderError
from content_library.models import Status
from tests.library.conftest import decide


@pytest.fixture
def wedding(db_session):
    return next(t for t in life_events.list_event_types(db_session) if t.key == "wedding")


def test_eight_builtin_types_and_marketing_adds_more(db_session, library) -> None:
    keys = [t.key for t in life_events.list_event_types(db_session)]
    assert keys[:8] == ["wedding", "birth", "new_job", "promotion", "retirement", "new_home",
                        "graduation", "bereavement"]
    added = life_events.add_event_type(db_session, actor=library.curator,
                                       label_en="Business anniversary",
                                       label_fr="Anniversaire d'entreprise")
    assert added.key == "business_anniversary" and not added.builtin
    with pytest.raises(ValidationError):
        life_events.add_event_type(db_session, actor=library.curator,
                                   label_en="Business  anniversary", label_fr="")
    with pytest.raises(PermissionDenied):
        life_events.add_event_type(db_session, actor=library.reviewer, label_en="X",
                                   label_fr="X")


def test_template_lifecycle_and_versions(db_session, library, factory, wedding) -> None:
    advisor = factory.user("advisor", branch=factory.branch("Lyon"), first_name="Alice")
    t1 = life_events.create_template(db_session, actor=library.curator, type_id=wedding.id,
                                     language="fr",
                                     text="Félicitations {client_first_name} ! "
                                          "{advisor_first_name}")
    assert t1.lineage_id == t1.id and t1.status == Status.DRAFT
    assert life_events.templates_for_event(db_session, advisor=advisor, type_id=wedding.id,
                                           language="fr") == []
    life_events.submit_template(db_session, actor=library.curator, template_id=t1.id)
    decide(db_session, t1, ReviewStatus.APPROVED, library.reviewer)
    assert t1.status == Status.APPROVED
    with pytest.raises(Conflict):
        life_events.update_template_in_place(db_session, actor=library.curator,
                                             template_id=t1.id, text="Changed")
    t2 = life_events.edit_template(db_session, actor=library.curator, template_id=t1.id,
                                   text="Tous nos vœux, {client_first_name} !")
    assert (t2.number, t2.lineage_id, t2.status) == (2, t1.id, Status.DRAFT)
    found = life_events.templates_for_event(db_session, advisor=advisor, type_id=wedding.id,
                                            language="fr")
    assert found == [t1]
    assert life_events.render_life_event(t1, advisor, " Zoé ") == "Félicitations Zoé ! Alice"
    with pytest.raises(RenderError):  # markup is refused, not stripped (issue 11, point 1)
        life_events.render_life_event(t1, advisor, "<b>Zoé</b>")
    life_events.submit_template(db_session, actor=library.curator, template_id=t2.id)
    decide(db_session, t2, ReviewStatus.APPROVED, library.reviewer)
    assert t1.status == Status.SUPERSEDED
    assert services.get_template_for_use(db_session, template_id=t1.id, advisor=advisor)
    life_events.retire_template(db_session, actor=library.curator, template_id=t2.id)
    with pytest.raises(NotFound):
        services.get_template_for_use(db_session, template_id=t2.id, advisor=advisor)
    assert services.is_template_publishable(db_session, template_id=t1.id, now=None)[0] \
        is False


def test_template_validation(db_session, library, wedding) -> None:
    for text, message in (("", "empty"), ("Hi {client_last_name}", "Unknown placeholder"),
                          ("Hi {client_first_name", "not closed"),
                          ("x" * 281, "too long")):
        with pytest.raises(ValidationError, match=message):
            life_events.create_template(db_session, actor=library.curator,
                                        type_id=wedding.id, language="en", text=text)
    with pytest.raises(ValidationError):
        life_events.create_template(db_session, actor=library.curator, type_id=wedding.id,
                                    language="de", text="Hi")


def test_curator_cannot_approve_own_template(db_session, factory, wedding) -> None:
    both = factory.user("marketing", "compliance")
    template = life_events.create_template(db_session, actor=both, type_id=wedding.id,
                                           language="en", text="Hi {client_first_name}")
    life_events.submit_template(db_session, actor=both, template_id=template.id)
    with pytest.raises(PermissionDenied):
        decide(db_session, template, ReviewStatus.APPROVED, both)


def test_missing_value_is_shown_to_the_advisor(client, db_session, library, factory, auth,
                                               wedding) -> None:
    advisor = factory.user("advisor")  # no branch: {branch_name} has no value
    template = life_events.create_template(db_session, actor=library.curator,
                                           type_id=wedding.id, language="en",
                                           text="Congrats {client_first_name}! {branch_name}")
    life_events.submit_template(db_session, actor=library.curator, template_id=template.id)
    decide(db_session, template, ReviewStatus.APPROVED, library.reviewer)
    with pytest.raises(RenderError):
        life_events.render_life_event(template, advisor, "Zoé")
    db_session.flush()
    auth.login(advisor)
    page = client.post("/library/life-events", data={
        "event": wedding.id, "language": "en", "client_first_name": "Zoé"}).get_data(as_text=True)
    assert 'data-testid="render-error"' in page and "{branch_name}" in page
    assert "Congrats Zoé" not in page


def test_life_event_page_renders_and_offers_copy(client, db_session, library, factory, auth,
                                                 wedding) -> None:
    advisor = factory.user("advisor", branch=factory.branch("Lyon"), first_name="Alice")
    template = life_events.create_template(db_session, actor=library.curator,
                                           type_id=wedding.id, language="en",
                                           text="Congratulations {client_first_name}! "
                                                "{advisor_first_name}, {branch_name}")
    life_events.submit_template(db_session, actor=library.curator, template_id=template.id)
    decide(db_session, template, ReviewStatus.APPROVED, library.reviewer)
    db_session.flush()
    auth.login(advisor)
    page = client.post("/library/life-events", data={
        "event": wedding.id, "language": "en", "client_first_name": "Zoe"}).get_data(as_text=True)
    assert "Congratulations Zoe! Alice, Lyon" in page
    assert f'data-copy-target="#message-{template.id}"' in page
    # "Publish" posts the name to the composer: it is in no URL of the page.
    assert 'name="client_first_name" value="Zoe"' in page
    assert "client_first_name=" not in page
    composer = client.post(f"/publishing/compose?template_id={template.id}", data={
        "prefill": "1", "client_first_name": "Zoe"}).get_data(as_text=True)
    assert "Congratulations Zoe! Alice, Lyon" in composer
    assert "This field is required" not in composer  # filled in, not submitted


def test_template_usage_is_shown_to_marketing(client, db_session, library, factory, auth,
                                              wedding) -> None:
    from datetime import UTC, datetime

    advisor = factory.user("advisor")
    template = life_events.create_template(db_session, actor=library.curator,
                                           type_id=wedding.id, language="en",
                                           text="Congratulations {client_first_name}!")
    life_events.submit_template(db_session, actor=library.curator, template_id=template.id)
    decide(db_session, template, ReviewStatus.APPROVED, library.reviewer)
    for _ in range(2):
        services.record_use(db_session, version_id=None, template_id=template.id,
                            advisor_id=advisor.id, network="linkedin",
                            published_at=datetime.now(UTC), post_url=None)
    assert life_events.usage_by_lineage(db_session, actor=library.curator) == \
        {template.lineage_id: (2, 1)}
    db_session.flush()
    auth.login(library.curator)
    page = client.get("/library/manage/templates").get_data(as_text=True)
    assert "2 uses · 1 advisor" in page
