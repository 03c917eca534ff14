"""Campaign routes: marketing writes campaigns (compliance and admins read them), advisors
see their invitations and calendar; the digest's unsubscribe link works without a login."""

from datetime import date, timedelta

from advisor_hub.campaigns.models import Campaign, CampaignState, CampaignStep, ClientEvent
from tests.access.matrix import ALL, Row, everyone, only

READERS = ["marketing", "compliance", "senior_compliance", "admin"]
MARKETING = ["marketing"]
ADVISOR = ["advisor"]


def _campaign(session, factory, users, state=CampaignState.DRAFT):
    start = date.today() + timedelta(days=3)
    campaign = Campaign(name="Matrix", start_date=start, end_date=start + timedelta(days=5),
                        created_by_id=users["marketing"].id, state=state, review_id=None)
    session.add(campaign)
    session.flush()
    step = CampaignStep(campaign_id=campaign.id, version_id=999_999, item_id=999_999,
                        title="Step", day_offset=0, send_time="09:00")
    session.add(step)
    session.flush()
    return {"campaign_id": campaign.id, "step_id": step.id}


def _approved(session, factory, users):
    return _campaign(session, factory, users, CampaignState.APPROVED)


def _client_event(session, factory, users):
    event = ClientEvent(advisor_id=users["advisor"].id, client_first_name="Bob",
                        event_type_id=1, event_date=date.today() + timedelta(days=5))
    session.add(event)
    session.flush()
    return {"event_id": event.id}


def _all(code: int) -> dict[str, int]:
    return {role: code for role in ALL}


ROWS = [
    Row("GET", "/campaigns/manage", only(READERS)),
    Row("GET", "/campaigns/manage/new", only(MARKETING)),
    Row("POST", "/campaigns/manage/new", only(MARKETING), data={"name": ""}),
    Row("GET", "/campaigns/manage/{campaign_id}", only(READERS), setup=_campaign),
    Row("GET", "/campaigns/manage/{campaign_id}/edit", only(MARKETING), setup=_campaign),
    Row("POST", "/campaigns/manage/{campaign_id}/edit", only(MARKETING), setup=_campaign,
        data={"name": ""}),
    Row("POST", "/campaigns/manage/{campaign_id}/steps", only(MARKETING, allowed=302),
        setup=_campaign),
    Row("POST", "/campaigns/manage/{campaign_id}/steps/{step_id}/delete",
        only(MARKETING, allowed=302), setup=_campaign),
    Row("POST", "/campaigns/manage/{campaign_id}/submit", only(MARKETING, allowed=302),
        setup=_campaign),
    Row("POST", "/campaigns/manage/{campaign_id}/end", only(MARKETING, allowed=302),
        setup=_campaign),
    Row("GET", "/campaigns/adoption", only(["marketing", "admin"])),
    Row("GET", "/campaigns/", only(ADVISOR)),
    Row("GET", "/campaigns/{campaign_id}", only(ADVISOR), setup=_approved),
    Row("POST", "/campaigns/{campaign_id}/join", only(ADVISOR, allowed=302), setup=_approved),
    Row("POST", "/campaigns/{campaign_id}/leave", only(ADVISOR, allowed=302), setup=_approved),
    Row("POST", "/campaigns/{campaign_id}/steps/{step_id}/skip", only(ADVISOR, allowed=302),
        setup=_approved),
    Row("GET", "/campaigns/calendar", only(ADVISOR)),
    Row("GET", "/campaigns/clients/events", only(ADVISOR)),
    Row("POST", "/campaigns/clients/events", only(ADVISOR), data={"client_first_name": ""}),
    Row("POST", "/campaigns/clients/events/{event_id}/delete", only(ADVISOR, allowed=302),
        setup=_client_event),
    Row("GET", "/campaigns/preferences", only(ADVISOR)),
    Row("POST", "/campaigns/preferences", only(ADVISOR, allowed=302)),
    # A token that is not signed by the portal.
    Row("GET", "/campaigns/digest/use/forged", only(ADVISOR, allowed=400)),
    Row("POST", "/campaigns/digest/use/forged", only(ADVISOR, allowed=400)),
    Row("GET", "/campaigns/digest/unsubscribe/forged", everyone(200, anonymous=200)),
    Row("POST", "/campaigns/digest/unsubscribe/forged", _all(400)),
]
