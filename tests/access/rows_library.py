"""Every route of the content library × every role."""

from content_library import life_events, services
from content_library.models import Status
from tests.access.matrix import Row, everyone, only


def _approved_item(session, factory, users):
    version = services.create_item(session, actor=users["marketing"], fields=services.ItemFields(
        title="Matrix post", text="Hello", networks=["linkedin"]))
    version.status = Status.APPROVED  # set directly: the matrix tests access, not review
    session.flush()
    return {"version_id": version.id, "item_id": version.item_id}


def _approved_template(session, factory, users):
    types = life_events.list_event_types(session)
    template = life_events.create_template(session, actor=users["marketing"],
                                           type_id=types[0].id, language="en",
                                           text="Congratulations {client_first_name}!")
    template.status = Status.APPROVED
    session.flush()
    return {"template_id": template.id}


ADVISOR = only(["advisor"])
MARKETING = only(["marketing"])
MARKETING_ACTION = only(["marketing"], allowed=302)

ROWS = [
    Row("GET", "/library/", ADVISOR),
    Row("GET", "/library/use/{version_id}", ADVISOR, setup=_approved_item),
    Row("GET", "/library/life-events", ADVISOR),
    # The client's first name is posted, never put in the URL.
    Row("POST", "/library/life-events", ADVISOR,
        data={"event": "1", "language": "en", "client_first_name": "Ann"}),
    # A name that is not a stored file: nobody learns anything (media access has its own tests).
    Row("GET", "/library/media/0123456789abcdef.png", everyone(404)),
    Row("GET", "/library/manage", MARKETING),
    Row("GET", "/library/manage/new", MARKETING),
    Row("POST", "/library/manage/new", MARKETING, data={"title": ""}),
    Row("GET", "/library/manage/items/{item_id}", MARKETING, setup=_approved_item),
    Row("GET", "/library/manage/versions/{version_id}", only(["marketing"], allowed=302),
        setup=_approved_item),
    Row("GET", "/library/manage/items/{item_id}/edit", MARKETING, setup=_approved_item),
    Row("POST", "/library/manage/items/{item_id}/edit", MARKETING, setup=_approved_item,
        data={"title": ""}),
    Row("POST", "/library/manage/versions/{version_id}/submit", MARKETING_ACTION,
        setup=_approved_item),
    Row("POST", "/library/manage/items/{item_id}/retire", MARKETING_ACTION,
        setup=_approved_item),
    Row("GET", "/library/manage/import", MARKETING),
    Row("POST", "/library/manage/import", MARKETING),
    Row("GET", "/library/manage/export?format=csv", MARKETING),
    Row("GET", "/library/manage/export?format=json", MARKETING),
    Row("GET", "/library/manage/templates", MARKETING),
    Row("POST", "/library/manage/event-types", MARKETING_ACTION, data={"label_en": ""}),
    Row("GET", "/library/manage/templates/new", MARKETING),
    Row("POST", "/library/manage/templates/new", MARKETING, data={"text": ""}),
    Row("GET", "/library/manage/templates/{template_id}/edit", MARKETING,
        setup=_approved_template),
    Row("POST", "/library/manage/templates/{template_id}/edit", MARKETING,
        setup=_approved_template, data={"text": ""}),
    Row("POST", "/library/manage/templates/{template_id}/submit", MARKETING_ACTION,
        setup=_approved_template),
    Row("POST", "/library/manage/templates/{template_id}/retire", MARKETING_ACTION,
        setup=_approved_template),
]
