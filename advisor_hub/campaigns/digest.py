"""The weekly digest: per subscribed advisor, an e-mail (HTML and text, in their language and
time zone) with three suggestions and each campaign's next posts.

Each suggestion links to a confirmation page through a token signed with the app's secret
(itsdangerous), naming one ``DigestLink`` row and one advisor: refused when expired
(``CAMPAIGN_DIGEST_LINK_DAYS``), used already, or opened by another user; login is still
required. Unsubscribing takes one click (a signed link, RFC 8058 headers) or the
preferences page.

The job sends one batch (``CAMPAIGN_DIGEST_BATCH``) per run, in the job's transaction: a
``DigestSent`` row per (advisor, ISO week) is inserted first, the mail is queued after the
commit (:mod:`advisor_hub.notifications.mail`). A run that dies rolls its rows back and
sends nothing; the next run sends them: never twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.reporting import active_advisors
from advisor_hub.audit.services import record
from advisor_hub.campaigns.errors import LinkRefused
from advisor_hub.campaigns.models import (
    Campaign,
    CampaignPost,
    CampaignPostState,
    DigestLink,
    DigestPreference,
    DigestSent,
)
from advisor_hub.campaigns.recommend import Suggestion, suggestions_for
from advisor_hub.campaigns.schedule import wall_clock_to_utc, zone
from advisor_hub.campaigns.settings import public_url, setting
from advisor_hub.db import rows_changed, utcnow
from advisor_hub.errors import ValidationError
from advisor_hub.notifications.mail import SmtpSettings, header_text, queue_mail
from advisor_hub.publishing import services as publishing
from advisor_hub.roles import Role, require_role

log = logging.getLogger(__name__)
LINK_SALT = "campaigns.digest-link"
UNSUBSCRIBE_SALT = "campaigns.digest-unsubscribe"
SUGGESTIONS = 3
NEXT_POSTS = 3
PROPOSED_HOUR = time(9, 0)


# -- weeks ------------------------------------------------------------------------------------


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def due_week(time_zone: str, now: datetime, hour: int) -> str | None:
    """The week whose digest is due for an advisor in ``time_zone``: from Monday ``hour``
    o'clock on their clock; None before that (the last week's is not sent late)."""
    local = now.astimezone(zone(time_zone))
    monday = local.date() - timedelta(days=local.weekday())
    start = wall_clock_to_utc(monday, time(hour % 24, 0), zone(time_zone).key)
    return week_key(local.date()) if now >= start else None


def proposed_time(time_zone: str, now: datetime) -> datetime:
    """When a suggestion is proposed to go out: the next 09:00 on the advisor's clock at
    least an hour away (UTC)."""
    local = now.astimezone(zone(time_zone)).date()
    for days in range(0, 3):
        when = wall_clock_to_utc(local + timedelta(days=days), PROPOSED_HOUR,
                                 zone(time_zone).key)
        if when >= now + timedelta(hours=1):
            return when
    return now + timedelta(days=1)


# -- preferences ------------------------------------------------------------------------------


def is_subscribed(session: Session, advisor: User) -> bool:
    preference = session.get(DigestPreference, advisor.id)
    return preference is None or preference.subscribed


def set_subscription(session: Session, *, advisor: User, subscribed: bool,
                     now: datetime | None = None) -> None:
    preference = session.get(DigestPreference, advisor.id)
    if preference is None:
        preference = DigestPreference(advisor_id=advisor.id)
        session.add(preference)
    before = {"subscribed": preference.subscribed if preference.subscribed is not None
              else True}
    preference.subscribed, preference.changed_at = subscribed, now or utcnow()
    session.flush()
    record(session, advisor, "campaign.digest_subscription", advisor, before=before,
           after={"subscribed": subscribed})


def _secret(config: Any) -> str:
    return str(config["SECRET_KEY"])


def unsubscribe_token(config: Any, advisor_id: int) -> str:
    return URLSafeSerializer(_secret(config), salt=UNSUBSCRIBE_SALT).dumps(advisor_id)


def unsubscribe(session: Session, *, config: Any, token: str) -> User:
    """One click from the e-mail (no login: the signed link names the advisor)."""
    try:
        advisor_id = URLSafeSerializer(_secret(config), salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        raise LinkRefused(_l("This link is not valid."), status=400) from None
    advisor = session.get(User, int(advisor_id))
    if advisor is None:
        raise LinkRefused(_l("This link is not valid."), status=400)
    set_subscription(session, advisor=advisor, subscribed=False)
    return advisor


# -- links ------------------------------------------------------------------------------------


def link_token(config: Any, link: DigestLink) -> str:
    return URLSafeTimedSerializer(_secret(config), salt=LINK_SALT).dumps(
        {"l": link.id, "u": link.advisor_id})


def check_link(session: Session, *, config: Any, token: str, user: User) -> DigestLink:
    """The link behind ``token`` if ``user`` may use it now; LinkRefused (with its HTTP
    status) when it is forged, expired, someone else's or used already."""
    require_role(user, Role.ADVISOR)
    days = int(setting("CAMPAIGN_DIGEST_LINK_DAYS", config))
    try:
        payload = URLSafeTimedSerializer(_secret(config), salt=LINK_SALT).loads(
            token, max_age=days * 86400)
    except SignatureExpired:
        raise LinkRefused(_l("This link has expired.")) from None
    except BadSignature:
        raise LinkRefused(_l("This link is not valid."), status=400) from None
    if not isinstance(payload, dict) or payload.get("u") != user.id:
        raise LinkRefused(_l("This link was sent to someone else."), status=403)
    link = session.get(DigestLink, str(payload.get("l")))
    if link is None or link.advisor_id != user.id:
        raise LinkRefused(_l("This link is not valid."), status=400)
    if link.used_at is not None:
        raise LinkRefused(_l("This link was used already."))
    return link


def use_link(session: Session, *, config: Any, token: str, user: User,
             account_ids: list[int], now: datetime | None = None) -> Any:
    """Schedule the suggestion (an unedited library post at the proposed time, or the next
    one if that passed), marking the link used: at most once, even from two tabs."""
    now = now or utcnow()
    link = check_link(session, config=config, token=token, user=user)
    taken = rows_changed(session, update(DigestLink).where(DigestLink.id == link.id,
                                                     DigestLink.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
    if taken != 1:
        raise LinkRefused(_l("This link was used already."))
    when = link.proposed_at if link.proposed_at > now + timedelta(minutes=5) \
        else proposed_time(user.time_zone, now)
    if not account_ids:
        raise ValidationError(_l("Choose at least one account."), field="account_ids")
    post = publishing.compose_library_post(session, author=user, version_id=link.version_id,
                                           account_ids=account_ids, scheduled_at=when,
                                           now=now)
    session.execute(update(DigestLink).where(DigestLink.id == link.id)
                    .values(post_id=post.id).execution_options(synchronize_session=False))
    session.refresh(link)
    record(session, user, "campaign.digest_link_used", post,
           after={"link": link.id, "version_id": link.version_id})
    return post


# -- the e-mail -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    title: str
    when: str          # in the advisor's zone and language
    url: str | None = None
    explanation: str = ""


@dataclass(frozen=True)
class Digest:
    advisor: User
    week: str
    suggestions: list[DigestLine]
    campaigns: list[tuple[str, list[DigestLine]]]
    unsubscribe_url: str
    preferences_url: str


def _when(advisor: User, when: datetime) -> str:
    return format_datetime(when, "medium", tzinfo=zone(advisor.time_zone),
                           locale=advisor.language)


def next_campaign_posts(session: Session, advisor: User, now: datetime
                        ) -> list[tuple[str, list[tuple[str, datetime]]]]:
    """Each campaign's next posts for the advisor: [(campaign name, [(title, when)])]."""
    rows = session.execute(
        select(Campaign.name, CampaignPost.campaign_id, CampaignPost.step_id,
               CampaignPost.scheduled_at)
        .join(Campaign, Campaign.id == CampaignPost.campaign_id)
        .where(CampaignPost.advisor_id == advisor.id,
               CampaignPost.state == CampaignPostState.SCHEDULED,
               CampaignPost.scheduled_at > now)
        .order_by(CampaignPost.campaign_id, CampaignPost.scheduled_at))
    from advisor_hub.campaigns.models import CampaignStep

    titles: dict[int, str] = {}
    grouped: dict[int, tuple[str, list[tuple[int, datetime]]]] = {}
    for name, campaign_id, step_id, when in rows:
        entry = grouped.setdefault(campaign_id, (name, []))
        if all(s != step_id for s, _w in entry[1]) and len(entry[1]) < NEXT_POSTS:
            entry[1].append((step_id, when))
    steps = {s for _n, entries in grouped.values() for s, _w in entries}
    if steps:
        titles = dict(session.execute(select(CampaignStep.id, CampaignStep.title)
                                      .where(CampaignStep.id.in_(steps))).all())
    return [(name, [(titles.get(s, ""), w) for s, w in entries])
            for name, entries in grouped.values()]


def build_digest(session: Session, advisor: User, *, week: str, now: datetime,
                 config: Any) -> Digest:
    """The digest's content, with its links (rows written here, in the caller's transaction)."""
    base = public_url(config)
    if base is None:  # send_digests checks first: nobody builds links to a guessed host
        raise RuntimeError("CAMPAIGN_PUBLIC_URL (or SERVER_NAME) is not set")
    when = proposed_time(advisor.time_zone, now)
    lines = []
    with force_locale(advisor.language):
        suggestions: list[Suggestion] = suggestions_for(session, advisor, now=now,
                                                        limit=SUGGESTIONS)
        for suggestion in suggestions:
            link = DigestLink(id=secrets.token_hex(16), advisor_id=advisor.id,
                              version_id=suggestion.version_id, week=week, proposed_at=when,
                              created_at=now)
            session.add(link)
            lines.append(DigestLine(suggestion.title, _when(advisor, when),
                                    f"{base}/campaigns/digest/use/{link_token(config, link)}",
                                    suggestion.explanation))
    campaigns = [(name, [DigestLine(title, _when(advisor, at)) for title, at in posts])
                 for name, posts in next_campaign_posts(session, advisor, now)]
    return Digest(advisor, week, lines, campaigns,
                  f"{base}/campaigns/digest/unsubscribe/{unsubscribe_token(config, advisor.id)}",
                  f"{base}/campaigns/preferences")


def digest_message(digest: Digest, *, sender: str) -> EmailMessage:
    advisor = digest.advisor
    with force_locale(advisor.language):
        subject = str(_l("Your posts for the week %(week)s", week=digest.week))
        text = render_template("campaigns/email/digest.txt", digest=digest)
        html = render_template("campaigns/email/digest.html", digest=digest)
    message = EmailMessage()
    message["From"] = header_text(sender, 998)
    message["To"] = header_text(advisor.email, 998)
    message["Subject"] = header_text(subject)
    message["List-Unsubscribe"] = f"<{digest.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _due(session: Session, now: datetime, hour: int, limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` (advisor id, week) due and not sent, in advisor id order."""
    unsubscribed = select(DigestPreference.advisor_id).where(
        DigestPreference.subscribed.is_(False))
    rows = session.execute(active_advisors().with_only_columns(User.id, User.time_zone)
                           .where(User.id.not_in(unsubscribed)).order_by(User.id)).all()
    due = [(advisor_id, week) for advisor_id, tz in rows
           if (week := due_week(tz, now, hour)) is not None]
    weeks = sorted({w for _a, w in due})
    if not weeks:
        return []
    sent = {(a, w) for a, w in session.execute(select(DigestSent.advisor_id, DigestSent.week)
                                               .where(DigestSent.week.in_(weeks)))}
    return [(a, w) for a, w in due if (a, w) not in sent][:limit]


def send_digest_batch(session: Session, now: datetime) -> None:
    """Job: one batch of due digests (see the module's docstring)."""
    send_digests(session, now, config=current_app.config)


def send_digests(session: Session, now: datetime, *, config: Any,
                 limit: int | None = None) -> int:
    """Queue up to ``limit`` (default ``CAMPAIGN_DIGEST_BATCH``) due digests; returns how
    many. Without a mail server nothing is marked sent (the digests wait for one)."""
    settings = SmtpSettings.from_config(config)
    if settings is None:
        log.info("mail not configured: no digest sent")
        return 0
    if public_url(config) is None:
        log.warning("CAMPAIGN_PUBLIC_URL (or SERVER_NAME) is not set: no digest sent (its "
                    "links need the portal's address)")
        return 0
    limit = int(limit if limit is not None else setting("CAMPAIGN_DIGEST_BATCH", config))
    hour = int(setting("CAMPAIGN_DIGEST_HOUR", config))
    count = 0
    for advisor_id, week in _due(session, now, hour, limit):
        advisor = session.get(User, advisor_id)
        if advisor is None:
            continue
        try:
            with session.begin_nested():
                session.add(DigestSent(advisor_id=advisor_id, week=week, sent_at=now))
                session.flush()
        except IntegrityError:  # another worker took this one
            continue
        digest = build_digest(session, advisor, week=week, now=now, config=config)
        queue_mail(session, settings,
                   digest_message(digest, sender=config["MAIL_DEFAULT_SENDER"]))
        count += 1
    session.flush()
    return count
