"""A hand-built data set whose dashboard figures are known (see test_figures.py).

Rows go straight into the tables of approvals, publishing and content_library (their models),
as those packages would leave them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from advisor_hub.accounts.models import Branch, User
from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget
from approvals.models import ReviewRequest
from content_library.models import LibraryItem, LibraryItemVersion, LibraryUsage

_seq = itertools.count(1)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Data:
    lyon: Branch
    paris: Branch
    users: dict[str, User]
    items: dict[str, LibraryItemVersion]


def account(session: Session, user: User, status: str = "active",
            network: str = "linkedin") -> LinkedAccount:
    row = LinkedAccount(user_id=user.id, network=network, external_id=f"ext{next(_seq)}",
                        display_name=user.full_name, status=status)
    session.add(row)
    session.flush()
    return row


def post(session: Session, user: User, *, source: str, state: str, created: datetime,
         targets: list[dict[str, Any]] = (), version_id: int | None = None) -> Post:  # type: ignore[assignment]
    row = Post(author_id=user.id, branch_id=user.branch_id, source=source, text="Hello",
               state=state, created_at=created, updated_at=created,
               library_version_id=version_id)
    session.add(row)
    session.flush()
    for target in targets:
        session.add(PublicationTarget(
            post_id=row.id, network=target.get("network", "linkedin"), text="Hello",
            account_id=target["account"].id, state=target["state"],
            due_at=target.get("due", created), published_at=target.get("published"),
            failure_class=target.get("failure"), idempotency_key=f"key{next(_seq)}",
            content_hash="c" * 64, created_at=created,
        ))
    session.flush()
    return row


def review(session: Session, author: User, *, kind: str = "post", status: str,
           branch: Branch | None, submitted: datetime, hours: float | None,
           decided_by: User | None, reason: str | None = None) -> ReviewRequest:
    row = ReviewRequest(
        kind=kind, subject_id=next(_seq), author_id=author.id,
        branch_id=branch.id if branch else None, status=status, text="t",
        content_hash="c" * 64, submitted_at=submitted,
        decided_at=submitted + timedelta(hours=hours) if hours is not None else None,
        decided_by_id=decided_by.id if decided_by else None, reason_code=reason,
    )
    session.add(row)
    session.flush()
    return row


def version(session: Session, item: LibraryItem, title: str, *, status: str, approved: datetime,
            author: User, number: int = 1) -> LibraryItemVersion:
    row = LibraryItemVersion(item_id=item.id, number=number, title=title, text=title,
                             status=status, approved_at=approved, created_by_id=author.id,
                             audience_all=True)
    session.add(row)
    session.flush()
    return row


def build(session: Session, factory: Any) -> Data:
    lyon, paris = factory.branch("Lyon"), factory.branch("Paris")
    u = {name: factory.user("advisor", branch=branch, first_name=name)
         for name, branch in [("a1", lyon), ("a2", lyon), ("a3", lyon), ("p1", paris),
                              ("p2", paris)]}
    gone = factory.user("advisor", branch=lyon, first_name="gone")
    gone.active = False  # deactivated advisors are not counted
    u["marketing"] = factory.user("marketing", first_name="m")
    u["reviewer"] = factory.user("compliance", first_name="r")
    u["manager"] = factory.user("branch_manager", branch=lyon, first_name="boss")

    acc = {name: account(session, u[name]) for name in ("a1", "a2", "p1")}
    account(session, u["a3"], status="unlinked")
    account(session, gone)

    item_x = LibraryItem(created_by_id=u["marketing"].id)
    item_y = LibraryItem(created_by_id=u["marketing"].id)
    session.add_all([item_x, item_y])
    session.flush()
    v1 = version(session, item_x, "Green mortgage", status="superseded", approved=at(9, 1),
                 author=u["marketing"])
    v2 = version(session, item_x, "Green mortgage v2", status="approved", approved=at(10, 1),
                 author=u["marketing"], number=2)
    v3 = version(session, item_y, "Retirement savings", status="approved",
                 approved=at(10, 15), author=u["marketing"])

    # Publications: a1 twice and p1 once in November; a2 only in October.
    post(session, u["a1"], source="library", state="published", created=at(11, 5),
         version_id=v1.id, targets=[{"account": acc["a1"], "state": "published",
                                     "published": at(11, 5)}])
    post(session, u["a1"], source="library", state="published", created=at(11, 10),
         version_id=v2.id, targets=[{"account": acc["a1"], "state": "published",
                                     "published": at(11, 10)}])
    post(session, u["a1"], source="free_form", state="pending_review", created=at(11, 12))
    post(session, u["a2"], source="free_form", state="draft", created=at(11, 12))
    post(session, u["p1"], source="life_event", state="published", created=at(11, 20),
         targets=[{"account": acc["p1"], "state": "published", "published": at(11, 20),
                   "network": "facebook"}])
    post(session, u["a2"], source="library", state="published", created=at(10, 1),
         version_id=v3.id, targets=[{"account": acc["a2"], "state": "published",
                                     "published": at(10, 1)}])
    # Failures: two permanent on LinkedIn (Lyon), one re-auth on Facebook (Paris), one
    # cancelled by the publish-time check (Lyon), one in October (outside the period).
    post(session, u["a1"], source="free_form", state="failed", created=at(11, 6),
         targets=[{"account": acc["a1"], "state": "failed", "failure": "permanent"}])
    post(session, u["a1"], source="free_form", state="failed", created=at(11, 6, 13),
         targets=[{"account": acc["a1"], "state": "failed", "failure": "permanent"}])
    post(session, u["p1"], source="free_form", state="failed", created=at(11, 21),
         targets=[{"account": acc["p1"], "state": "failed", "failure": "reauth",
                   "network": "facebook"}])
    post(session, u["a1"], source="library", state="cancelled", created=at(11, 7),
         targets=[{"account": acc["a1"], "state": "cancelled", "failure": "precheck"}])
    post(session, u["a1"], source="free_form", state="failed", created=at(10, 7),
         targets=[{"account": acc["a1"], "state": "failed", "failure": "permanent"}])

    for version_id, who, when in [(v1.id, "a1", at(11, 5)), (v2.id, "a1", at(11, 10)),
                                  (v3.id, "p1", at(11, 20)), (v3.id, "a2", at(10, 1))]:
        session.add(LibraryUsage(version_id=version_id, advisor_id=u[who].id,
                                 network="linkedin", published_at=when))

    reviewer = u["reviewer"]
    # Posts: 1h, 2h (Lyon), 3h, 10h (Paris); library items 4h, 8h (no branch).
    review(session, u["a1"], status="approved", branch=lyon, submitted=at(11, 3),
           hours=1, decided_by=reviewer)
    review(session, u["a1"], status="rejected", branch=lyon, submitted=at(11, 4),
           hours=2, decided_by=reviewer, reason="misleading")
    review(session, u["p1"], status="changes_requested", branch=paris, submitted=at(11, 4),
           hours=3, decided_by=reviewer)
    review(session, u["p1"], status="rejected", branch=paris, submitted=at(11, 8),
           hours=10, decided_by=reviewer, reason="pii")
    review(session, u["marketing"], kind="library_item", status="approved", branch=None,
           submitted=at(11, 2), hours=4, decided_by=reviewer)
    review(session, u["marketing"], kind="library_item", status="rejected", branch=None,
           submitted=at(11, 9), hours=8, decided_by=reviewer, reason="misleading")
    # Not counted: a system approval, a pending review, a decision in October.
    review(session, u["a1"], status="approved", branch=lyon, submitted=at(11, 5), hours=0,
           decided_by=None)
    review(session, u["a1"], status="pending", branch=lyon, submitted=at(11, 25), hours=None,
           decided_by=None)
    review(session, u["a1"], status="rejected", branch=lyon, submitted=at(10, 3), hours=50,
           decided_by=reviewer, reason="pii")
    session.flush()
    return Data(lyon, paris, u, {"v1": v1, "v2": v2, "v3": v3})
