"""The campaigns feature's public services: what its screens, jobs and other packages call.
The code lives in modules by job; this facade re-exports it.

- ``authoring``: marketing's campaigns and steps, the review (kind "campaign");
- ``audience``: who a campaign is for, invitations;
- ``enrolment``: an advisor's campaign calendar, opt-in, skip, leave, a retired item;
- ``recommend``: "suggested for you"; ``calendar``: "my calendar" and a campaign's counts;
- ``digest``: the weekly e-mail and its links; ``reporting``: the adoption figures.
"""

from __future__ import annotations

from advisor_hub.campaigns.audience import audience_ids, in_audience, invite_audience
from advisor_hub.campaigns.authoring import (
    KIND,
    CampaignFields,
    StepFields,
    add_step,
    campaign_url,
    create_campaign,
    end_campaign,
    get_campaign,
    list_campaigns,
    on_campaign_decision,
    read_campaign,
    remove_step,
    submit_campaign,
    summary,
    update_campaign,
)
from advisor_hub.campaigns.enrolment import (
    Cancelled,
    OptIn,
    PlannedPost,
    campaigns_for,
    compose_planned,
    leave,
    member_of,
    on_item_retired,
    on_library_item_retired,
    opt_in,
    plan,
    skip_step,
    visible_campaign,
    when_for,
)

__all__ = [
    "KIND", "CampaignFields", "Cancelled", "OptIn", "PlannedPost", "StepFields", "add_step",
    "audience_ids", "campaign_url", "campaigns_for", "compose_planned", "create_campaign",
    "end_campaign",
    "get_campaign", "in_audience", "invite_audience", "leave", "list_campaigns", "member_of",
    "on_campaign_decision", "on_item_retired", "on_library_item_retired", "opt_in", "plan",
    "read_campaign", "remove_step", "skip_step", "submit_campaign", "summary",
    "update_campaign", "visible_campaign", "when_for",
]
