"""The composer: build a post from a library item, a life-event template or free text,
approve it at once (unedited library content) or send it to review, and schedule it.

One post has one exact text (the advisor's text followed by the disclosures every chosen
network requires), one approval and one content hash; one outbox row per chosen account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from flask import has_app_context
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.audit.services import batch as audit_batch
from advisor_hub.audit.services import record
from advisor_hub.connectors import grants
from advisor_hub.content_hash import content_hash
from advisor_hub.db import utcnow
from advisor_hub.errors import NotFound, ValidationError
from advisor_hub.networks import ADAPTERS, NetworkConfig, build_adapter
from advisor_hub.networks.preview import NetworkPreview
from advisor_hub.networks.preview import preview as network_preview
from advisor_hub.notifications.services import N_, notify
from advisor_hub.publishing import upstream
from advisor_hub.publishing.linking import own_account
from advisor_hub.publishing.models import (
    AccountStatus,
    LinkedAccount,
    Post,
    PostSource,
    PostState,
    PublicationTarget,
    TargetState,
)
from advisor_hub.publishing.outbox import cancel_open_targets, set_target_state, settle_post
from advisor_hub.roles import Role, require_role
from advisor_hub.signals import post_composed
from advisor_hub.text import sanitize
from advisor_hub.wall_clock import local_to_utc

KIND = "post"
MAX_TEXT = 10_000


# -- time --------------------------------------------------------------------------------------


def schedule_time(local: datetime, time_zone: str, *, now: datetime | None = None) -> datetime:
    """A wall-clock time in the advisor's zone → UTC. Refuses the past, a time skipped by a
    clock change (DST gap) and a time that happens twice (clocks going back): the rule of
    ``wall_clock.local_to_utc``, shared with the library's availability times."""
    when = local_to_utc(local, time_zone, field="when")
    if when <= (now or utcnow()):
        raise ValidationError(_l("That time is in the past. Choose a time in the future."),
                              field="when")
    return when


def _zone(time_zone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def limit_text(limit: datetime, time_zone: str | None) -> str:
    """The last minute before an exclusive limit, as the advisor reads it ("31 Dec 2026,
    23:59" for a window ending at midnight), in their zone and language."""
    local = (limit - timedelta(seconds=1)).astimezone(_zone(time_zone)).replace(
        tzinfo=None, second=0, microsecond=0)
    if not has_app_context():  # a script without the app: the default language
        return babel_dates.format_datetime(local, "d MMM y, HH:mm", locale="en")
    return format_datetime(local, "d MMM y, HH:mm", rebase=False)


def check_schedule_limits(session: Session, *, author: User, when: datetime,
                          version_id: int | None, review_id: int | None,
                          now: datetime) -> None:
    """Refuse a time past what the approval allows, with the limit shown: the library
    version's validity end, and the date an unused approval lapses (the approval standing,
    or one given now). The publish-time re-check stays the last line."""
    if version_id is not None:
        until = upstream.publish_until(session, version_id=version_id)
        if until is not None and when >= until:
            raise ValidationError(_l("This item may be published until %(limit)s. Choose an "
                                     "earlier time.",
                                     limit=limit_text(until, author.time_zone)), field="when")
    approval = upstream.get_approval(session, review_id) if review_id is not None else None
    if approval is not None and approval.status == "approved":
        lapses = approval.expires_at
    else:  # not approved yet: an approval given now is the latest it could start
        lapses = upstream.approval_expires(KIND, now)
    if lapses is not None and when >= lapses:
        raise ValidationError(_l("An approval lapses when it is not used in time: this post "
                                 "may be published until %(limit)s. Choose an earlier time.",
                                 limit=limit_text(lapses, author.time_zone)), field="when")


# -- text and previews -------------------------------------------------------------------------


def _adapter_class(network: str) -> Any:
    return build_adapter(network, NetworkConfig())


def preview_for(network: str, text: str, link_url: str | None,
                with_media: bool = False) -> NetworkPreview:
    """How the post will look on ``network`` (``advisor_hub.networks.preview``)."""
    return network_preview(network, text, link_url, with_media)


# The longest network (Facebook) accepts 63,206 characters; longer is never publishable.
SCREEN_MAX_CHARS = 64_000


def screen_while_typing(session: Session, text: str, link_url: str | None
                        ) -> list[upstream.TypingFinding]:
    """What the policy in force finds in a text the advisor is typing (with the lexicon's
    advice), before anything is saved; publishing screens again, and that is the rule."""
    return upstream.screen_findings(session, text.strip(), link_url)


def char_limits() -> dict[str, int]:
    return {name: cls.char_limit for name, cls in ADAPTERS.items()}


def plain_text(value: str | None, field: str) -> str:
    """Posts are plain text: markup is refused (clear message, nothing saved), by the one
    check every field of the portal goes through."""
    return sanitize(value, field=field)


def check_link(link_url: str | None) -> str | None:
    link_url = (link_url or "").strip() or None
    if link_url and not link_url.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("The link must start with https:// or http://."),
                              field="link_url")
    return link_url


# -- sources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    kind: PostSource
    text: str  # personalised text, ready to send (before disclosures)
    link_url: str | None = None
    media_sha256: str | None = None
    media_url: str | None = None
    category: str | None = None
    networks: list[str] | None = None
    version_id: int | None = None
    template_id: int | None = None
    basis_review_id: int | None = None
    title: str | None = None


def load_source(session: Session, *, advisor: User, version_id: int | None = None,
                template_id: int | None = None, client_first_name: str | None = None,
                now: datetime | None = None) -> Source:
    """The library item or template, personalised for this advisor (and client)."""
    if version_id is None and template_id is None:
        return Source(PostSource.FREE_FORM, "")
    values = upstream.advisor_values(advisor)
    if version_id is not None:
        item = upstream.version_for_use(session, version_id=version_id, advisor=advisor,
                                        now=now)
        text = upstream.render_placeholders(item.text, values, item.placeholders)
        return Source(PostSource.LIBRARY, text, item.link_url, item.media_sha256, item.media_url,
                      item.category, item.networks, version_id=item.id,
                      basis_review_id=item.review_id, title=item.title)
    if template_id is not None:
        item = upstream.template_for_use(session, template_id=template_id, advisor=advisor)
        if not (client_first_name or "").strip():
            raise ValidationError(_l("Give the client's first name."), field="client_first_name")
        # The library checks every value it renders (a short plain name: no digits, links,
        # markup or control characters), whichever way it came in (form or query string).
        values["client_first_name"] = client_first_name or ""
        text = upstream.render_placeholders(item.text, values, item.placeholders)
        return Source(PostSource.LIFE_EVENT, text, template_id=item.id,
                      basis_review_id=item.review_id, title=item.title)
    return Source(PostSource.FREE_FORM, "")


# -- composing ---------------------------------------------------------------------------------


def exact_text(session: Session, body: str, networks: list[str], category: str | None) -> str:
    disclosures = upstream.disclosures_for(session, networks=networks, category=category)
    return upstream.apply_disclosures(body, disclosures) if disclosures else body


def _chosen_accounts(session: Session, author: User, account_ids: list[int],
                     allowed_networks: list[str] | None) -> list[LinkedAccount]:
    if not account_ids:
        raise ValidationError(_l("Choose at least one account."), field="account_ids")
    accounts = []
    for account_id in dict.fromkeys(account_ids):
        try:
            account = own_account(session, author, account_id)
        except NotFound:
            raise ValidationError(_l("Choose among your own accounts."),
                                  field="account_ids") from None
        if account.status != AccountStatus.ACTIVE:
            raise ValidationError(_l("%(name)s cannot be used yet (it is not approved or must "
                                     "be relinked).", name=account.display_name),
                                  field="account_ids")
        # The Sandbox stands in for every network (local demos), so any item may go there.
        if allowed_networks and account.network not in (*allowed_networks, "sandbox"):
            raise ValidationError(_l("This library item is not meant for %(network)s.",
                                     network=account.network), field="account_ids")
        accounts.append(account)
    return accounts


def _check_fits(text: str, link_url: str | None, networks: list[str],
                with_media: bool = False) -> None:
    too_long = [p for p in (preview_for(n, text, link_url, with_media)
                            for n in dict.fromkeys(networks)) if not p.fits]
    if too_long:
        raise ValidationError(
            _l("Too long for %(networks)s: remove the account or shorten the text.",
               networks=", ".join(f"{p.label} ({p.count}/{p.limit})" for p in too_long)),
            field="text")


def compose_post(session: Session, *, author: User, body: str | None, link_url: str | None,
                 account_ids: list[int], publish_now: bool, when_local: datetime | None,
                 version_id: int | None = None, template_id: int | None = None,
                 client_first_name: str | None = None, now: datetime | None = None,
                 scheduled_at: datetime | None = None) -> Post:
    """Create a post. Everything is screened by the policy engine: unedited library content
    without findings is approved and scheduled at once; anything else enters the approvals
    queue (edited text with a blocking finding is refused).

    ``scheduled_at``: a UTC time fixed by the caller instead of ``when_local`` (a campaign's
    schedule, already resolved in the advisor's zone); it must be in the future. ``now`` is
    the moment the library item must be usable at (default: now). ``body`` None: the
    source's own text, unedited (a campaign step, a digest suggestion)."""
    with audit_batch(session):  # its five or so audit records in one INSERT
        post = _compose_post(session, author=author, body=body, link_url=link_url,
                             account_ids=account_ids, publish_now=publish_now,
                             when_local=when_local, version_id=version_id,
                             template_id=template_id, client_first_name=client_first_name,
                             now=now, scheduled_at=scheduled_at)
        post_composed.send(session, post=post, client_first_name=client_first_name)
        return post


def _compose_post(session: Session, *, author: User, body: str | None, link_url: str | None,
                  account_ids: list[int], publish_now: bool, when_local: datetime | None,
                  version_id: int | None, template_id: int | None,
                  client_first_name: str | None, now: datetime | None,
                  scheduled_at: datetime | None) -> Post:
    require_role(author, Role.ADVISOR)
    if scheduled_at is not None and scheduled_at <= utcnow():
        raise ValidationError(_l("That time is in the past. Choose a time in the future."),
                              field="when")
    now = now or utcnow()
    source = load_source(session, advisor=author, version_id=version_id,
                         template_id=template_id, client_first_name=client_first_name, now=now)
    body = plain_text(source.text if body is None else body, "text")
    if not body:
        raise ValidationError(_l("Write the text of the post."), field="text")
    if len(body) > MAX_TEXT:
        raise ValidationError(_l("The text is too long."), field="text")
    link_url = source.link_url if source.kind.fixed_link else check_link(link_url)
    accounts = _chosen_accounts(session, author, account_ids, source.networks)
    networks = [a.network for a in accounts]
    if scheduled_at is not None:
        publish_now = False
    elif publish_now:
        scheduled_at = now
    else:
        if when_local is None:
            raise ValidationError(_l("Give a date and time, or choose to publish now."),
                                  field="when")
        scheduled_at = schedule_time(when_local, author.time_zone, now=now)
    check_schedule_limits(session, author=author, when=scheduled_at or now,
                          version_id=source.version_id, review_id=None, now=now)
    text = exact_text(session, body, networks, source.category)
    _check_fits(text, link_url, networks, with_media=bool(source.media_sha256))
    for account in accounts:  # refused if its grant ends first (with the date, to relink)
        grants.check_schedulable(session, account, scheduled_at or now)
    post = Post(author_id=author.id, branch_id=author.branch_id, source=source.kind,
                library_version_id=source.version_id, template_id=source.template_id,
                text=text, body=body, link_url=link_url, media_sha256=source.media_sha256,
                category=source.category, state=PostState.DRAFT, scheduled_at=scheduled_at,
                publish_now=publish_now, account_ids=[a.id for a in accounts])
    session.add(post)
    session.flush()
    # Audit inserts wait for the next flush (one statement with the others, not one each).
    record(session, author, "post.composed", post, None,
           {"source": post.source, "accounts": post.account_ids, "state": post.state},
           flush=False)
    content = upstream.Content(text, link_url, source.media_sha256, source.media_url,
                               source.title)
    edited = source.kind == PostSource.FREE_FORM or body != source.text
    # Screened even when unedited: the personalised values (a client's name...) are text
    # no reviewer has read. Unedited content with no finding rests on the library's approval;
    # any finding sends it to a reviewer.
    screening = upstream.screen_text(session, text, link_url=link_url)
    if not edited and source.basis_review_id is not None and not screening.blocked \
            and not screening.messages:
        post.review_id = upstream.approve_from_library(
            session, kind=KIND, subject_id=post.id, author=author, content=content,
            basis_review_id=source.basis_review_id)
        _set_state(session, post, PostState.APPROVED, author)
        schedule_post(session, post, now=now)
        return post
    if edited and screening.blocked:
        raise ValidationError(_l("The compliance policy blocks this text: %(findings)s",
                                 findings="; ".join(screening.messages)), field="text")
    base = upstream.Content(exact_text(session, source.text, networks, source.category),
                            source.link_url, source.media_sha256) \
        if source.kind != PostSource.FREE_FORM else None
    post.review_id = upstream.submit_for_review(
        session, kind=KIND, subject_id=post.id, author=author, content=content,
        networks=sorted(set(networks)), branch_id=author.branch_id, category=source.category,
        base_content=base)
    _set_state(session, post, PostState.PENDING_REVIEW, author)
    return post


def compose_library_post(session: Session, *, author: User, version_id: int,
                         account_ids: list[int], scheduled_at: datetime,
                         now: datetime | None = None) -> Post:
    """An unedited library post at a UTC time fixed by the caller (a campaign step, a
    suggestion from the digest): approved on creation like any unedited library post, and
    checked again at publish time. ``now``: the moment the item must be usable at (default:
    ``scheduled_at``, when it goes out)."""
    usable_at = now or scheduled_at
    return compose_post(session, author=author, body=None, link_url=None,
                        account_ids=account_ids, publish_now=False, when_local=None,
                        version_id=version_id, now=usable_at, scheduled_at=scheduled_at)


def _set_state(session: Session, post: Post, state: PostState, actor: User | None) -> None:
    if post.state != state:
        # Flushed with the next statement (autoflush), the record and the row together.
        record(session, actor, "post.state", post, {"state": post.state}, {"state": state},
               flush=False)
        post.state = state


def schedule_post(session: Session, post: Post, *, now: datetime | None = None) -> None:
    """An approved post gets its outbox rows (one per chosen, still active account)."""
    now = now or utcnow()
    due = now if post.publish_now or post.scheduled_at is None else post.scheduled_at
    exact_hash = content_hash(post.text, post.link_url, post.media_sha256)
    existing = {t.account_id for t in post.targets}
    added: list[PublicationTarget] = []
    for account_id in post.account_ids:
        if account_id in existing:
            continue
        account = session.get(LinkedAccount, account_id)
        if account is None:
            continue
        target = PublicationTarget(
            post_id=post.id, account_id=account_id, network=account.network, text=post.text,
            state=(TargetState.SCHEDULED if account.status == AccountStatus.ACTIVE
                   else TargetState.CANCELLED), due_at=due,
            idempotency_key=uuid.uuid4().hex, content_hash=exact_hash,
            review_id=post.review_id,
            last_error=None if account.status == AccountStatus.ACTIVE else N_(
                "The account is no longer linked."),
        )
        session.add(target)
        post.targets.append(target)
        added.append(target)
    if added:  # one flush for every row, then their audit records with the next one
        session.flush()
        for target in added:
            record(session, None, f"publication.{target.state}", target, None,
                   {"state": target.state, "due_at": due}, flush=False)
    _set_state(session, post, PostState.SCHEDULED, None)
    settle_post(session, post.id)


def post_editors(session: Session, post_id: int) -> frozenset[int]:
    """Who wrote the post: only its author ever changes it (an edit is a new post by the
    same author), so the author is barred from deciding on it (registered with approvals)."""
    post = session.get(Post, post_id)
    return frozenset({post.author_id}) if post is not None else frozenset()


def _post_title(post: Post) -> str:
    first = " ".join((post.body or post.text or "").split())
    return first[:60] + ("…" if len(first) > 60 else "")


def on_post_decision(session: Session, subject_id: int, outcome: str, review: Any) -> None:
    """Compliance decided on a post (registered with approvals)."""
    post = session.get(Post, subject_id)
    if post is None or post.state != PostState.PENDING_REVIEW:
        return
    comment = getattr(review, "comment", None) or getattr(review, "decision_comment", None)
    url = f"/publishing/posts/{post.id}"
    # The one notification of this decision (approvals leaves it to us: tells_author),
    # naming the post by the start of its text and linking to it.
    title = _post_title(post)
    if outcome == "approved":
        now = utcnow()
        if not post.publish_now and post.scheduled_at is not None and post.scheduled_at <= now:
            _set_state(session, post, PostState.APPROVED, None)
            notify(session, post.author, N_("Your post “%(title)s” was approved, but its time "
                                            "has passed: choose a new time."),
                   {"title": title}, url)
            return
        _set_state(session, post, PostState.APPROVED, None)
        schedule_post(session, post, now=now)
        notify(session, post.author, N_("Your post “%(title)s” was approved and is "
                                        "scheduled."), {"title": title}, url)
        return
    post.review_comment = comment
    if outcome == "changes_requested" or outcome == "expired":
        _set_state(session, post, PostState.CHANGES_REQUESTED, None)
        notify(session, post.author, N_("Changes were requested on your post “%(title)s”: "
                                        "%(comment)s"),
               {"title": title, "comment": comment or ""}, url)
    elif outcome == "rejected":
        _set_state(session, post, PostState.REJECTED, None)
        reason = upstream.reason_texts(session, getattr(review, "reason_code", None))
        notify(session, post.author, N_("Your post “%(title)s” was rejected: %(reason)s. "
                                        "%(comment)s"),
               {"title": title, "reason": reason or "", "comment": comment or ""}, url)
    elif outcome == "withdrawn":
        _set_state(session, post, PostState.CANCELLED, None)


# -- the advisor's actions -------------------------------------------------------------------


def own_post(session: Session, user: User, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.author_id != user.id:
        raise NotFound()
    return post


def posts_of(session: Session, user: User) -> Any:
    return select(Post).where(Post.author_id == user.id).order_by(Post.created_at.desc(),
                                                                   Post.id.desc())


def cancel_post(session: Session, *, post_id: int, actor: User) -> list[PublicationTarget]:
    post = own_post(session, actor, post_id)
    if post.state == PostState.PENDING_REVIEW and post.review_id is not None:
        upstream.withdraw(session, review_id=post.review_id, actor=actor)
        _set_state(session, post, PostState.CANCELLED, actor)
        return []
    if post.state in (PostState.DRAFT, PostState.APPROVED, PostState.CHANGES_REQUESTED):
        _set_state(session, post, PostState.CANCELLED, actor)
        return []
    if post.state not in (PostState.SCHEDULED, PostState.PUBLISHING):
        raise ValidationError(_l("This post can no longer be cancelled."))
    cancelled = cancel_open_targets(session, list(post.targets), actor=actor,
                                    reason=N_("Cancelled by the advisor."))
    if not cancelled:
        raise ValidationError(_l("Nothing is left to cancel: the post is being published or "
                                 "already is."))
    return cancelled


def cancel_posts(session: Session, *, post_ids: list[int], reason: str,
                 actor: User | None = None) -> list[PublicationTarget]:
    """Cancel what may still go out of these posts, for a reason of the system (a campaign
    whose library item was retired): the open rows, with ``reason`` (an ``N_`` message id)
    shown to the advisor; an approved post not yet scheduled is cancelled. Rows already
    sending or sent are left alone. Returns the rows cancelled."""
    posts = [p for p in (session.get(Post, i) for i in dict.fromkeys(post_ids)) if p]
    for post in posts:
        if post.state in (PostState.DRAFT, PostState.APPROVED):
            _set_state(session, post, PostState.CANCELLED, actor)
    return cancel_open_targets(session, [t for p in posts if p.state.settles
                                         for t in p.targets], actor=actor, reason=reason)


def reschedule_post(session: Session, *, post_id: int, actor: User, publish_now: bool,
                    when_local: datetime | None, now: datetime | None = None) -> Post:
    """A new time for the rows not yet sent (or for an approved post whose time passed)."""
    post = own_post(session, actor, post_id)
    now = now or utcnow()
    if not post.state.reschedulable:
        raise ValidationError(_l("Only a scheduled or approved post can be rescheduled."))
    if publish_now:
        when = now
    else:
        if when_local is None:
            raise ValidationError(_l("Give a date and time, or choose to publish now."),
                                  field="when")
        when = schedule_time(when_local, actor.time_zone, now=now)
    for target in post.targets:
        if target.state == TargetState.SCHEDULED:
            grants.check_schedulable(session, target.account, when)
    check_schedule_limits(session, author=actor, when=when, version_id=post.library_version_id,
                          review_id=post.review_id, now=now)
    before = {"scheduled_at": post.scheduled_at}
    post.scheduled_at = when
    post.publish_now = publish_now
    record(session, actor, "post.rescheduled", post, before, {"scheduled_at": when})
    if post.state == PostState.APPROVED:
        schedule_post(session, post, now=now)
        return post
    moved = False
    for target in post.targets:
        if target.state == TargetState.SCHEDULED:
            target.due_at = when
            set_target_state(session, target, TargetState.SCHEDULED, actor=actor)
            moved = True
    if not moved:
        raise ValidationError(_l("Nothing is left to reschedule."))
    return post


def edit_post(session: Session, *, post_id: int, actor: User, body: str,
              link_url: str | None, publish_now: bool, when_local: datetime | None,
              now: datetime | None = None) -> Post:
    """An edit goes back to review: a new post replaces this one (cancelled), keeping the
    library basis so the reviewer sees the difference."""
    post = own_post(session, actor, post_id)
    if not post.state.editable:
        raise ValidationError(_l("This post can no longer be edited."))
    if not all(t.state.open for t in post.targets):
        raise ValidationError(_l("Part of this post is already out; it can no longer be "
                                 "edited."))
    accounts = list(post.account_ids)
    if post.state != PostState.REJECTED:  # rejected: nothing left to withdraw or cancel
        if post.state == PostState.PENDING_REVIEW and post.review_id is not None:
            upstream.withdraw(session, review_id=post.review_id, actor=actor)
        cancel_open_targets(session, list(post.targets), actor=actor,
                            reason=N_("Replaced by an edited version."))
    new = compose_post(session, author=actor, body=body, link_url=link_url,
                       account_ids=accounts, publish_now=publish_now, when_local=when_local,
                       version_id=post.library_version_id, now=now)
    _set_state(session, post, PostState.CANCELLED, actor)
    record(session, actor, "post.replaced", post, None, {"replaced_by": new.id})
    return new


def targets_by_state(session: Session, user: User) -> dict[TargetState, int]:
    rows = session.execute(select(PublicationTarget.state).join(Post)
                           .where(Post.author_id == user.id)).scalars()
    counts: dict[TargetState, int] = {}
    for state in rows:
        counts[state] = counts.get(state, 0) + 1
    return counts
