"""The campaigns feature's periodic jobs (declared in ``advisor_hub.features``); the job
runner owns the transaction, so these only flush."""

from __future__ import annotations

from advisor_hub.campaigns.audience import invite_new_members
from advisor_hub.campaigns.digest import send_digest_batch
from advisor_hub.campaigns.enrolment import compose_planned
from advisor_hub.jobs import PeriodicJob

JOBS = (
    # Planned campaign posts are composed as their time nears (CAMPAIGN_SCHEDULE_AHEAD_DAYS).
    PeriodicJob("campaigns.compose_planned", compose_planned, every_seconds=600),
    PeriodicJob("campaigns.invite_new_members", invite_new_members, every_seconds=3600),
    # One batch (CAMPAIGN_DIGEST_BATCH advisors) per run, one transaction each: the mail
    # leaves after its commit, and the sent-table keeps a restart from sending twice.
    PeriodicJob("campaigns.weekly_digest", send_digest_batch, every_seconds=60),
)
