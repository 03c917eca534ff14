"""Connector health routes: the advisor's connections, the administrator's Operations page."""

from advisor_hub.connectors.models import HoldCause, NetworkHold
from tests.access.matrix import Row, only


def _hold(session, factory, users):
    hold = NetworkHold(network="linkedin", cause=HoldCause.MANUAL, detail="matrix")
    session.add(hold)
    session.flush()
    return {"hold_id": hold.id}


ROWS = [
    Row("GET", "/connections/", only(["advisor"])),
    Row("GET", "/operations/", only(["admin"])),
    Row("GET", "/operations/?network=x&status=active", only(["admin"])),
    Row("POST", "/operations/holds/{hold_id}/resume", only(["admin"], allowed=302), setup=_hold),
    # Refused by the form (no prices): the page again, nothing saved.
    Row("POST", "/operations/x-pricing", only(["admin"]), data={"price_post": ""}),
]
