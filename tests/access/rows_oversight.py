"""Archive (compliance and senior compliance only: administrators get no access to
communications' content) and the adoption dashboard (branch managers, marketing,
compliance, admin)."""

from advisor_hub.archive.services import append_record, place_hold
from tests.access.matrix import Row, only

ARCHIVE = ["compliance", "senior_compliance"]
DASHBOARD = ["branch_manager", "marketing", "compliance", "admin"]


def _a_record(session, factory, users):
    record = append_record(session, kind="publication", payload={
        "advisor_id": users["advisor"].id, "post_id": 1, "network": "linkedin", "text": "Hi"})
    return {"record_id": record.id}


def _a_hold(session, factory, users):
    hold = place_hold(session, actor=users["compliance"], advisor_id=users["advisor"].id,
                      reason="Matrix case")
    return {"hold_id": hold.id}


ROWS = [
    Row("GET", "/archive/", only(ARCHIVE)),
    Row("GET", "/archive/records/{record_id}", only(ARCHIVE), setup=_a_record),
    Row("GET", "/archive/export?format=csv", only(ARCHIVE)),
    Row("GET", "/archive/export?format=jsonl", only(ARCHIVE)),
    Row("GET", "/archive/export/manifest?format=csv", only(ARCHIVE)),
    Row("GET", "/archive/holds", only(ARCHIVE)),
    Row("POST", "/archive/holds", only(ARCHIVE, allowed=302),
        data={"advisor": "0", "date_from": "2020-01-01", "reason": "Matrix"}),
    Row("POST", "/archive/holds/{hold_id}/release", only(ARCHIVE, allowed=302),
        setup=_a_hold),
    Row("GET", "/archive/integrity", only(ARCHIVE)),
    Row("GET", "/dashboard/", only(DASHBOARD)),
    Row("GET", "/dashboard/adoption.csv", only(DASHBOARD)),
    Row("GET", "/dashboard/nudges.csv", only(DASHBOARD)),
]
