"""Benchmark: the adoption dashboard on a large SQLite database (not a timed test).

Seeds ``--advisors`` advisors over ``--branches`` branches, ``--posts`` posts spread over the
past year (library / life event / free-form, each with its outbox row, library usage and
review request as the packages would leave them) into a fresh SQLite database built by the
migrations, then renders the dashboard (last 30 days, every branch, as marketing) through the
app's test client, and once more per figure bare through the service. Prints median timings;
the last line is one JSON object: {"advisors": N, "posts": N, "dashboard_ms": x,
"dashboard_cpu_ms": x} (wall-clock time, and the CPU time this process spent on it).

    .venv/bin/python bench/dashboard.py [--advisors 500] [--posts 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from advisor_hub import create_app, migrate  # noqa: E402
from advisor_hub.accounts.models import Branch, User, UserRole  # noqa: E402
from advisor_hub.accounts.passwords import hash_password, use_fast_hashing  # noqa: E402
from advisor_hub.dashboard import services  # noqa: E402
from advisor_hub.db import get_session, make_engine, transaction  # noqa: E402
from advisor_hub.publishing.models import LinkedAccount, Post, PublicationTarget  # noqa: E402
from approvals.models import ReviewRequest  # noqa: E402
from content_library.models import LibraryItem, LibraryItemVersion, LibraryUsage  # noqa: E402

PASSWORD = "bench-password-1"
SOURCES = (("library", 0.6), ("life_event", 0.15), ("free_form", 0.25))
FAILURES = ("not_sent", "outcome_unknown", "reauth", "permanent", "precheck")
NETWORKS = ("linkedin", "facebook", "x")


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def seed(database_url: str, advisors: int, posts: int, branches: int) -> None:
    rng = random.Random(6)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url})
    now = datetime.now(UTC)
    password = hash_password(PASSWORD)
    with app.app_context(), transaction() as session:
        session.execute(insert(Branch), [{"id": b + 1, "name": f"Branch {b + 1}", "city": "X",
                                          "created_at": now} for b in range(branches)])

        def user(uid: int, email: str, branch: int | None) -> dict:
            return {"id": uid, "email": email, "first_name": "U", "last_name": str(uid),
                    "password_hash": password, "branch_id": branch, "time_zone": "UTC",
                    "language": "en", "active": True, "failed_logins": 0, "created_at": now}

        rows = [user(a + 1, f"advisor{a + 1}@bench.example", a % branches + 1)
                for a in range(advisors)]
        rows.append(user(advisors + 1, "marketing@bench.example", None))
        rows.append(user(advisors + 2, "manager@bench.example", 1))
        session.execute(insert(User), rows)
        session.execute(insert(UserRole), [{"user_id": a + 1, "role": "advisor"}
                                           for a in range(advisors)]
                        + [{"user_id": advisors + 1, "role": "marketing"},
                           {"user_id": advisors + 2, "role": "branch_manager"}])
        linked = [a + 1 for a in range(advisors) if rng.random() < 0.7]
        # A quarter of them have gone quiet (nothing in the last 45 days): the nudge list.
        silent = set(rng.sample(linked, len(linked) // 4))
        session.execute(insert(LinkedAccount), [
            {"id": i + 1, "user_id": uid, "network": "linkedin", "external_id": f"e{uid}",
             "display_name": str(uid), "status": "active", "created_at": now,
             "updated_at": now} for i, uid in enumerate(linked)])
        account_of = {uid: i + 1 for i, uid in enumerate(linked)}
        marketing = advisors + 1
        session.execute(insert(LibraryItem), [{"id": i + 1, "created_by_id": marketing,
                                               "created_at": now} for i in range(200)])
        session.execute(insert(LibraryItemVersion), [
            {"id": i + 1, "item_id": i + 1, "number": 1, "status": "approved",
             "title": f"Library post {i + 1}", "text": "t", "networks": ["linkedin"],
             "language": "en", "audience_all": True, "placeholders": [],
             "created_by_id": marketing, "created_at": now, "updated_at": now,
             "approved_at": now - timedelta(days=200 - i)} for i in range(200)])
        chunk = 10_000
        target_id = review_id = usage_id = 0
        for start in range(0, posts, chunk):
            post_rows, target_rows, review_rows, usage_rows = [], [], [], []
            for pid in range(start + 1, min(posts, start + chunk) + 1):
                author = rng.choice(linked) if rng.random() < 0.9 else rng.randint(1, advisors)
                quiet = 45 * 86400 if author in silent else 0
                created = now - timedelta(seconds=rng.randint(quiet, 365 * 86400))
                source = _pick(rng, SOURCES)
                roll = rng.random()
                state = ("published" if roll < 0.8 else "failed" if roll < 0.85 else
                         "pending_review" if roll < 0.9 else "draft" if roll < 0.95
                         else "approved")
                version = rng.randint(1, 200) if source == "library" else None
                post_rows.append({
                    "id": pid, "author_id": author, "branch_id": (author - 1) % branches + 1,
                    "source": source, "library_version_id": version, "text": "Hello",
                    "body": "Hello", "account_ids": [], "state": state, "publish_now": False,
                    "created_at": created, "updated_at": created})
                if source != "library" and state != "draft":
                    review_id += 1
                    decided = state != "pending_review"
                    status = ("rejected" if state == "failed" and rng.random() < 0.3 else
                              "approved") if decided else "pending"
                    review_rows.append({
                        "id": review_id, "kind": "post", "subject_id": pid,
                        "author_id": author, "branch_id": (author - 1) % branches + 1,
                        "networks": ["linkedin"], "status": status, "escalation_level": 0,
                        "findings_count": 0, "blocking_count": 0, "findings": [], "text": "t",
                        "content_hash": "c" * 64, "submitted_at": created,
                        "decided_at": created + timedelta(minutes=rng.randint(5, 3000))
                        if decided else None,
                        "decided_by_id": marketing if decided else None,
                        "reason_code": "misleading" if status == "rejected" else None,
                        "lexicon_version": 1, "version": 1})
                if state in ("published", "failed") and author in account_of:
                    target_id += 1
                    published = created + timedelta(minutes=5)
                    target_rows.append({
                        "id": target_id, "post_id": pid, "account_id": account_of[author],
                        "network": rng.choice(NETWORKS), "text": "Hello", "state": state,
                        "due_at": created, "attempts": 1, "idempotency_key": f"k{target_id}",
                        "content_hash": "c" * 64,
                        "published_at": published if state == "published" else None,
                        "failure_class": rng.choice(FAILURES) if state == "failed" else None,
                        "resent_for_reconcile": False, "created_at": created})
                    if state == "published" and version is not None:
                        usage_id += 1
                        usage_rows.append({"id": usage_id, "version_id": version,
                                           "advisor_id": author, "network": "linkedin",
                                           "published_at": published})
            for model, batch in ((Post, post_rows), (PublicationTarget, target_rows),
                                 (ReviewRequest, review_rows), (LibraryUsage, usage_rows)):
                if batch:
                    session.execute(insert(model), batch)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--advisors", type=int, default=500)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--branches", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None,
                        help="SQLite file to seed once and reuse on later runs.")
    args = parser.parse_args()
    use_fast_hashing()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        if not path.exists():
            started = time.perf_counter()
            seed(url, args.advisors, args.posts, args.branches)
            print(f"seeded {args.advisors} advisors, {args.posts} posts in "
                  f"{time.perf_counter() - started:.1f}s")
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
        client = app.test_client()
        timings: dict[str, list[float]] = {}
        for who in ("marketing", "manager"):
            client.post("/logout")
            response = client.post("/login", data={"email": f"{who}@bench.example",
                                                   "password": PASSWORD})
            assert response.status_code == 302, response.status_code
            for _ in range(args.repeat + 1):  # the first one warms caches up
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get("/dashboard/")
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.status_code
                timings.setdefault(who, []).append(elapsed)
                # CPU time of this process: what the render costs on an idle machine (wall
                # time also counts waiting for a CPU on a busy one).
                timings.setdefault(f"{who} cpu", []).append(
                    (time.process_time() - cpu) * 1000)
        with app.app_context():
            session = get_session()
            period = services.Period.last_days(30, today=datetime.now(UTC).date())
            scope = services.Scope(None, True)
            for name, figure in (("adoption", services.adoption),
                                 ("sources", services.posts_by_source),
                                 ("library", services.top_library_items),
                                 ("turnaround", services.approval_turnaround),
                                 ("rejections", services.rejection_reasons),
                                 ("failures", services.publishing_failures)):
                for _ in range(3):
                    started = time.perf_counter()
                    figure(session, scope, period)
                    timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            for _ in range(3):
                started = time.perf_counter()
                services.nudges(session, scope)
                timings.setdefault("nudges (with library suggestions)", []).append(
                    (time.perf_counter() - started) * 1000)
        pages = ("marketing", "manager", "marketing cpu", "manager cpu")
        for name, values in timings.items():
            kept = values[1:] if name in pages else values
            label = f"dashboard page as {name}" if name in pages else name
            print(f"{label:32} median {statistics.median(kept):8.1f} ms")
        dashboard_ms = round(statistics.median(timings["marketing"][1:]), 1)
        cpu_ms = round(statistics.median(timings["marketing cpu"][1:]), 1)
        print(json.dumps({"advisors": args.advisors, "posts": args.posts,
                          "dashboard_ms": dashboard_ms, "dashboard_cpu_ms": cpu_ms}))


if __name__ == "__main__":
    main()
