"""Benchmark: the advisor's library page with many approved items (not a timed test).

Seeds ``--items`` approved library items into a fresh SQLite database built by the migrations,
then measures the advisor library page through the app's test client (browse: pages of the
newest items; search: one or two words, accents left out) and the same search query run bare
through SQLAlchemy (the library service's queries: capped count, page of ids, the versions),
with no request, view or template around it. Prints median and p95 latencies; the last line
is one JSON object:
{"items": N, "browse_p95_ms": x, "search_p95_ms": x, "search_ratio_vs_bare": x}.

    .venv/bin/python bench/library.py [--items 50000] [--requests 200] [--database-url URL]
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

from sqlalchemy import insert, text  # noqa: E402

from advisor_hub import create_app, migrate  # noqa: E402
from advisor_hub.accounts import services as accounts  # noqa: E402
from advisor_hub.accounts.passwords import use_fast_hashing  # noqa: E402
from advisor_hub.db import get_session, make_engine, transaction  # noqa: E402
from content_library import search, services  # noqa: E402
from content_library.models import (  # noqa: E402
    LibraryItem,
    LibraryItemVersion,
    LibraryVersionTag,
    version_branches,
)

WORDS = " ".join([
    "épargne livret assurance crédit immobilier retraite placement budget projet famille",
    "entreprise avenir conseil rendez-vous agence taux prêt logement études voyage",
    "savings mortgage pension insurance invest future family business student travel",
    "green sustainable rates advice branch meeting goal plan protect growth"]).split(" ")
TAGS = ("épargne", "crédit", "retraite", "immobilier", "assurance", "savings", "loans",
        "events", "youth", "esg")
NETWORK_SETS = (["linkedin"], ["linkedin", "facebook"], ["linkedin", "facebook", "x"], ["x"])
QUERIES = ("epargne", "credit immobilier", "retraite", "pension plan", "assurance famille",
           "mortgage", "pret logement", "sustainable", "budget", "conseil agence")


def seed(database_url: str, items: int) -> None:
    rng = random.Random(42)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url,
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    with app.app_context(), transaction() as session:
        branches = [accounts.create_branch(session, actor=None, name=f"Branch {n}",
                                           city=f"City {n}") for n in range(20)]
        curator = accounts.create_user(session, actor=None, email="curator@example.com",
                                       first_name="Cur", last_name="Ator",
                                       password="bench-password-1", roles=["marketing"])
        accounts.create_user(session, actor=None, email="advisor@example.com",
                             first_name="Ada", last_name="Visor", password="bench-password-1",
                             roles=["advisor"], branch_id=branches[0].id)
        now = datetime.now(UTC)
        sqlite = session.get_bind().dialect.name == "sqlite"
        chunk = 5000
        for start in range(0, items, chunk):
            count = min(chunk, items - start)
            session.execute(insert(LibraryItem), [
                {"id": start + i + 1, "created_by_id": curator.id, "created_at": now}
                for i in range(count)])
            versions, tags, targets, docs = [], [], [], []
            for i in range(count):
                vid = start + i + 1
                title = " ".join(rng.choices(WORDS, k=4)).capitalize()
                body = " ".join(rng.choices(WORDS, k=30)) + "."
                chosen_tags = rng.sample(TAGS, 2)
                audience_all = rng.random() < 0.8
                expired = rng.random() < 0.05
                versions.append({
                    "id": vid, "item_id": vid, "number": 1, "status": "approved",
                    "title": title, "text": body, "networks": rng.choice(NETWORK_SETS),
                    "campaign": rng.choice([None, None, "Spring", "Retirement", "Home"]),
                    "language": rng.choice(["en", "fr"]), "audience_all": audience_all,
                    "placeholders": [], "created_by_id": curator.id, "created_at": now,
                    "updated_at": now, "approved_at": now - timedelta(minutes=items - vid),
                    "expires_at": now - timedelta(days=1) if expired else None,
                })
                tags += [{"version_id": vid, "tag": t} for t in chosen_tags]
                if not audience_all:
                    targets.append({"version_id": vid,
                                    "branch_id": rng.choice(branches[:4]).id})
                doc = search.WORD_RE.findall(search.normalise(
                    " ".join([title, body, *chosen_tags])))
                docs.append({"id": vid, "doc": " ".join(doc)})
            session.execute(insert(LibraryItemVersion), versions)
            session.execute(insert(LibraryVersionTag), tags)
            if targets:
                session.execute(insert(version_branches), targets)
            if sqlite:
                session.execute(text("INSERT INTO library_search_fts (rowid, document) "
                                     "VALUES (:id, :doc)"), docs)
            else:
                session.execute(text("INSERT INTO library_search_fts (version_id, document) "
                                     "VALUES (:id, to_tsvector('simple', :doc))"), docs)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(database_url: str, requests: int) -> dict[str, float]:
    rng = random.Random(7)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url,
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "advisor@example.com",
                                           "password": "bench-password-1"})
    assert response.status_code == 302, "login failed"
    assert client.get("/library/").status_code == 200  # warm-up

    cpu: dict[str, list[float]] = {"browse": [], "search": [], "bare": []}

    def timed(url: str, kind: str) -> float:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        cpu[kind].append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, url
        return elapsed

    browse = [timed(f"/library/?page={rng.randint(1, 50)}", "browse") for _ in range(requests)]
    queries = [rng.choice(QUERIES) for _ in range(requests)]
    searched = [timed(f"/library/?q={q.replace(' ', '+')}", "search") for q in queries]

    bare: list[float] = []
    with app.app_context():
        session = get_session()
        from advisor_hub.accounts.services import find_user_by_email

        advisor = find_user_by_email(session, "advisor@example.com")
        for q in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            services.search_library(session, advisor=advisor, q=q, page=1, per_page=12)
            bare.append((time.perf_counter() - started) * 1000)
            cpu["bare"].append((time.process_time() - cpu_started) * 1000)
    return {
        "browse_median_ms": statistics.median(browse), "browse_p95_ms": percentile(browse, 95),
        "search_median_ms": statistics.median(searched),
        "search_p95_ms": percentile(searched, 95),
        "bare_median_ms": statistics.median(bare), "bare_p95_ms": percentile(bare, 95),
        # CPU time of this process: what the figures would be on an idle machine.
        **{f"{kind}_cpu_p95_ms": percentile(values, 95) for kind, values in cpu.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to fill (default: a temporary SQLite file)")
    args = parser.parse_args()
    use_fast_hashing()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        started = time.perf_counter()
        seed(url, args.items)
        print(f"seeded {args.items} approved items in {time.perf_counter() - started:.1f} s")
        figures = measure(url, args.requests)
    for name, value in figures.items():
        print(f"{name:18} {value:8.2f}")
    print(json.dumps({
        "items": args.items,
        "browse_p95_ms": round(figures["browse_p95_ms"], 2),
        "search_p95_ms": round(figures["search_p95_ms"], 2),
        "search_ratio_vs_bare": round(figures["search_median_ms"] / figures["bare_median_ms"],
                                      2),
    }))


if __name__ == "__main__":
    main()
