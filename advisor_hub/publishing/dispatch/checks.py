"""The publish-time re-checks (DESIGN.md invariant 3), for a whole claimed batch at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from advisor_hub.content_hash import content_hash
from advisor_hub.networks import Media, NetworkAdapter
from advisor_hub.publishing import upstream
from advisor_hub.publishing.dispatch.outcomes import (
    REASON_ACCOUNT,
    REASON_APPROVAL,
    REASON_HASH,
    REASON_LIBRARY,
    REASON_MEDIA,
    REASON_POLICY,
    REASON_TOO_LONG,
)
from advisor_hub.publishing.media import MediaUnavailable, media_for_post
from advisor_hub.publishing.models import AccountStatus, PublicationTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """One row's verdict: it may go out (no reason), or not, and why. ``hold``: not yet,
    it waits for its account to be relinked (it is not cancelled)."""

    reason: str | None = None
    hold: bool = False

    @property
    def ok(self) -> bool:
        return self.reason is None and not self.hold


GO = CheckResult()
HOLD = CheckResult(REASON_ACCOUNT, hold=True)


class Checks:
    """Invariant 3 for a batch: each approval, library version, template and text is read
    once however many rows share it."""

    def __init__(self, session: Session, targets: Iterable[PublicationTarget],
                 now: datetime, upload_folder: str) -> None:
        self.session = session
        self.now = now
        self.upload_folder = upload_folder
        self.media: dict[int, Media | None] = {}  # by post: one read per image
        targets = list(targets)
        self.approvals = upstream.get_approvals(session, {t.review_id for t in targets})
        self._library: dict[tuple[str, int], tuple[bool, str | None]] = {}
        texts = list({(t.text, t.post.link_url) for t in targets})
        self._blocked = {key: screening.blocked for key, screening
                         in zip(texts, upstream.screen_texts(session, texts), strict=True)}

    def _publishable(self, kind: str, ident: int) -> tuple[bool, str | None]:
        key = (kind, ident)
        if key not in self._library:
            self._library[key] = (
                upstream.is_version_publishable(self.session, version_id=ident, now=self.now)
                if kind == "version" else
                upstream.is_template_publishable(self.session, template_id=ident, now=self.now))
        return self._library[key]

    def check(self, target: PublicationTarget, adapter: NetworkAdapter) -> CheckResult:
        """May this row go out now? Reads the post's image on the way (``self.media``)."""
        post, account = target.post, target.account
        if account.status == AccountStatus.RELINK_NEEDED:
            return HOLD
        if account.status != AccountStatus.ACTIVE:
            return CheckResult(REASON_ACCOUNT)
        approval = self.approvals.get(target.review_id) if target.review_id else None
        if approval is None or not approval.stands:
            return CheckResult(REASON_APPROVAL)
        exact = content_hash(target.text, post.link_url, post.media_sha256)
        if approval.content_hash != exact or target.content_hash != exact:
            return CheckResult(REASON_HASH)
        for kind, ident in (("version", post.library_version_id),
                            ("template", post.template_id)):
            if ident is not None:
                ok, why = self._publishable(kind, ident)
                if not ok:
                    return CheckResult(REASON_LIBRARY % {"reason": why or "retired"})
        if not adapter.fits(target.text, post.link_url, with_media=bool(post.media_sha256)):
            return CheckResult(REASON_TOO_LONG)
        if self._blocked[(target.text, post.link_url)]:
            return CheckResult(REASON_POLICY)
        if post.id not in self.media:
            try:
                self.media[post.id] = media_for_post(self.session, post,
                                                     upload_folder=self.upload_folder)
            except MediaUnavailable as error:
                log.warning("outbox row %s: %s", target.id, error.reason)
                return CheckResult(REASON_MEDIA)
        return GO
