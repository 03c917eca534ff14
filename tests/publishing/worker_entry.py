"""A dispatch worker process for the multi-process tests: the real dispatcher, with the
approvals and library APIs replaced by ones that trust the seeded rows (loadgen)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from advisor_hub.content_hash import content_hash
from advisor_hub.publishing import dispatch_worker, upstream
from advisor_hub.publishing.models import Post
from tests.publishing.fakes import ApprovalInfo, Screening


class TrustingApprovals:
    def get_approval(self, session: Any, review_id: int) -> ApprovalInfo | None:
        post = session.execute(select(Post.text, Post.link_url, Post.media_sha256)
                               .where(Post.review_id == review_id)).first()
        if post is None:
            return None
        return ApprovalInfo(review_id, "approved", content_hash(*post),
                            None, None, 1, None, True)

    def get_approvals(self, session: Any, review_ids: Any) -> dict[int, ApprovalInfo]:
        rows = session.execute(select(Post.review_id, Post.text, Post.link_url,
                                      Post.media_sha256)
                               .where(Post.review_id.in_(list(review_ids))))
        return {r[0]: ApprovalInfo(r[0], "approved", content_hash(*r[1:]), None, None, 1,
                                   None, True) for r in rows}

    def screen_text(self, session: Any, text: str, **kwargs: Any) -> Screening:
        return Screening([], 1, False)


class TrustingLibrary:
    def is_version_publishable(self, session: Any, **kwargs: Any) -> tuple[bool, None]:
        return True, None

    def record_use(self, session: Any, **kwargs: Any) -> None:
        pass


upstream.approvals_api = TrustingApprovals  # type: ignore[assignment]
upstream.library_api = TrustingLibrary  # type: ignore[assignment]

if __name__ == "__main__":
    raise SystemExit(dispatch_worker.main())
