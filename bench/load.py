"""Load benchmark (not a timed test): the portal under gunicorn on PostgreSQL, with users.

    python bench/load.py [--advisors 200] [--duration 75] [--think 4]
    python bench/load.py --advisors 30 --duration 30      # a small run, about a minute

The portal runs as in production (``gunicorn --workers 4 --threads 4
'advisor_hub:create_app()'`` from the repository root, so gunicorn.conf.py's start-up checks
run) against a database of its own (``advisor_hub_bench_load`` on BENCH_PG_URL, default
postgres@127.0.0.1:5432), with two ``flask --app advisor_hub scheduler`` processes
publishing to the Sandbox. The Sandbox is NOT the one the portal mounts in development
(``SANDBOX_MOUNT``): that one lives in each gunicorn worker's memory, so four workers would
be four networks that know nothing of each other's tokens and posts. As bench/dispatch.py
and bench/campaigns.py do, one ``SandboxServer`` runs in this process (its duplicate
rejection off, so a double send shows in its counts) and the portal is pointed at it.

The users, each a thread with its own ``requests.Session`` (its cookie and CSRF tokens):
``--advisors`` advisors browse and search the library, open items, compose from the library
and free-form (free-form goes to review), schedule posts a few seconds ahead and look at
their posts; 5 compliance reviewers take items from the queue (claim, then approve); 2
marketing curators edit library items and send the new versions for review. Each waits
``--think`` seconds on average between two pages (exponential, as people do); they log in
over the first 10 seconds. A thread-pool
client rather than locust: no new dependency, and the CSRF tokens and logins are one form
parser away (locust's value is distributed load and a web UI, neither needed at this size).

Printed: requests/s, median and p95 per page, the errors (any 4xx/5xx, or a form that came
back refused: must be 0), then "exactly once": every outbox row published exactly once by
the Sandbox's record (``duplicates``: a key posted more than once; ``lost``: a row not
published once the schedulers had time, or published without a Sandbox post). Then the same
client against one bare Flask endpoint (the library search's single query, no templates, no
login) served the same way, for the ratio. The last line is one JSON object.

Rate limits are off for the run (``RATELIMIT_ENABLED=false``): every simulated user comes
from 127.0.0.1, where 200 logins a minute would be refused. The machine has 2 cores shared
with other work: the figures are noisy (run twice before comparing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor_hub import create_app  # noqa: E402
from advisor_hub.accounts import services as accounts  # noqa: E402
from advisor_hub.db import database, transaction  # noqa: E402
from advisor_hub.networks import SandboxAdapter, TokenCipher, sandbox_config  # noqa: E402
from advisor_hub.publishing.models import PublicationTarget, TargetState  # noqa: E402
from advisor_hub.sandbox import SandboxServer  # noqa: E402
from approvals import services as approvals  # noqa: E402
from bench.campaigns import BENCH_PASSWORD, CALLBACK, letters, link  # noqa: E402
from bench.dispatch import KEY, fresh_database  # noqa: E402
from content_library import services as library  # noqa: E402

BIN = Path(sys.executable).parent
DB_NAME = "advisor_hub_bench_load"
WORDS = ("retirement", "savings", "market", "pension", "property", "tax", "children",
         "insurance", "estate", "budget")
REVIEWERS, CURATORS = 5, 2
RAMP_SECONDS = 10.0  # not every user logs in at the same instant


# --- forms ----------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action -> list of (name, value) as a browser would submit them
    (hidden fields and the CSRF token, checked boxes and radios, selected options, text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.forms[-1][1].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1][1].append((a["name"], ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1][1].append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            name, value = self.forms[-1][1][-1]
            self.forms[-1][1][-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def find(self, action_part: str, field: str = "csrf_token") -> list[tuple[str, str]]:
        """The first form whose action contains ``action_part`` and that has ``field``."""
        for action, fields in self.forms:
            if (action_part in action or not action) and any(name == field for name, _ in fields):
                return list(fields)
        raise LookupError(f"no form posting to {action_part!r} with {field!r}")


def fill(fields: list[tuple[str, str]], **values: Any) -> list[tuple[str, str]]:
    """``fields`` with ``values`` replacing (or adding) each named field; a list value sends
    the name once per item."""
    out = [(k, v) for k, v in fields if k not in values]
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((key, str(item)))
    return out


# --- the measuring client ---------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, page: str, seconds: float) -> None:
        with self.lock:
            self.times[page].append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class User:
    def __init__(self, base: str, stats: Stats, email: str) -> None:
        self.base, self.stats, self.email = base, stats, email
        self.http = requests.Session()
        # One connection per request: gunicorn closes an idle kept-alive connection after
        # 2 s (its --keep-alive), and a request sent on it at that moment is reset (a race a
        # browser hides by retrying). Loopback connections cost next to nothing.
        self.http.headers["Connection"] = "close"

    def request(self, page: str, method: str, path: str, expect: int = 200,
                **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        response = self.http.request(method, self.base + path, allow_redirects=False,
                                     timeout=60, **kwargs)
        self.stats.add(page, time.perf_counter() - started)
        if response.status_code != expect:
            said = re.findall(r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>\s*([^<]+)',
                              response.text)
            self.stats.error(f"{self.email} {method} {path}: {response.status_code} "
                             f"{said or response.text[:200]!r}")
        return response

    def get(self, page: str, path: str, **kwargs: Any) -> str:
        return self.request(page, "GET", path, **kwargs).text

    def post(self, page: str, path: str, data: list[tuple[str, str]],
             expect: int = 302) -> requests.Response:
        return self.request(page, "POST", path, expect=expect, data=data)

    def login(self) -> None:
        fields = Forms(self.get("login form", "/login")).find("", field="password")
        self.post("login", "/login", fill(fields, email=self.email, password=BENCH_PASSWORD))


def ids(pattern: str, html: str) -> list[int]:
    return sorted({int(n) for n in re.findall(pattern, html)})


def advisor_session(user: User, rng: random.Random, until: float, think: float,
                    scheduled: list[int]) -> None:
    time.sleep(rng.uniform(0, RAMP_SECONDS))  # users arrive over the first seconds
    user.login()
    versions: list[int] = []
    while time.monotonic() < until:
        time.sleep(rng.expovariate(1 / think))
        action = rng.choices(("browse", "search", "use", "compose", "free", "posts"),
                             weights=(25, 25, 15, 15, 5, 15))[0]
        if action == "browse" or not versions:
            html = user.get("library", f"/library/?page={rng.randint(1, 3)}")
            versions = ids(r"/library/use/(\d+)", html) or versions
        elif action == "search":
            user.get("library search", f"/library/?q={rng.choice(WORDS)}")
        elif action == "use":
            user.get("library item", f"/library/use/{rng.choice(versions)}")
        elif action in ("compose", "free"):
            version = rng.choice(versions)
            path = f"/publishing/compose?version_id={version}" if action == "compose" else \
                "/publishing/compose"
            html = user.get("compose form", path)
            form = Forms(html)
            fields = form.find("/publishing/compose", field="text")
            accounts_ = re.findall(r'name="account_ids"[^>]*value="(\d+)"', html) or \
                re.findall(r'value="(\d+)"[^>]*name="account_ids"', html)
            when = (datetime.now(UTC) + timedelta(seconds=rng.randint(5, 20))).strftime(
                "%Y-%m-%dT%H:%M:%S")  # the advisors' time zone is UTC
            values: dict[str, Any] = {"account_ids": accounts_[:1], "when_mode": "later",
                                      "when": when}
            if action == "free":
                values["text"] = f"A word on {rng.choice(WORDS)} from me, {rng.random():.6f}"
            response = user.post("compose (schedule)", path, fill(fields, **values))
            match = re.search(r"/publishing/posts/(\d+)", response.headers.get("Location", ""))
            if match:
                scheduled.append(int(match.group(1)))
        else:
            user.get("my posts", "/publishing/posts")


def reviewer_session(user: User, rng: random.Random, until: float, think: float) -> None:
    time.sleep(rng.uniform(0, RAMP_SECONDS))  # users arrive over the first seconds
    user.login()
    while time.monotonic() < until:
        time.sleep(rng.expovariate(1 / think))
        queue = ids(r'/review/(\d+)"', user.get("review queue", "/review/"))
        if not queue:
            continue
        review = rng.choice(queue[:10])
        detail = Forms(user.get("review item", f"/review/{review}"))
        try:
            claim = detail.find(f"/review/{review}/claim")
        except LookupError:
            continue  # another reviewer holds it
        user.post("review claim", f"/review/{review}/claim", claim)
        detail = Forms(user.get("review item", f"/review/{review}"))
        try:
            decide = detail.find(f"/review/{review}/decide")
        except LookupError:
            continue
        user.post("review decide", f"/review/{review}/decide",
                  fill(decide, decision="approve", comment="Fine."))


def curator_session(user: User, rng: random.Random, until: float, think: float) -> None:
    time.sleep(rng.uniform(0, RAMP_SECONDS))  # users arrive over the first seconds
    user.login()
    while time.monotonic() < until:
        time.sleep(rng.expovariate(1 / think))
        listing = user.get("library manage", "/library/manage")
        # An item whose latest version is in review cannot be edited (the app says so): a
        # curator picks another, as people do.
        items = sorted({int(m.group(1)) for row in listing.split("<tr")[1:]
                        if (m := re.search(r"/library/manage/items/(\d+)", row))
                        and "status-in_review" not in row})
        if not items:
            continue
        item = rng.choice(items)
        path = f"/library/manage/items/{item}/edit"
        fields = Forms(user.get("library edit form", path)).find(path, field="text")
        text = dict(fields).get("text", "").split(" (rev ")[0]
        user.post("library edit", path, fill(fields, text=f"{text} (rev {rng.randint(1, 99)})"))
        detail = user.get("library item detail", f"/library/manage/items/{item}")
        drafts = ids(r"/library/manage/versions/(\d+)/submit", detail)
        if drafts:
            submit = Forms(detail).find(f"/library/manage/versions/{drafts[-1]}/submit")
            user.post("library submit", f"/library/manage/versions/{drafts[-1]}/submit",
                      submit)


# --- set-up -------------------------------------------------------------------------------------


def seed(app: Any, sandbox_url: str, advisors: int, items: int) -> None:
    adapter = SandboxAdapter(sandbox_config(sandbox_url, redirect_uri=CALLBACK))
    cipher = TokenCipher(KEY)
    with app.app_context(), transaction() as session:
        branch = accounts.create_branch(session, actor=None, name="Load", city="Lyon")
        marketing = [accounts.create_user(
            session, actor=None, email=f"m{n}@bench.example.com", first_name="Marketing",
            last_name=letters(n), password=BENCH_PASSWORD, roles=("marketing",))
            for n in range(CURATORS)]
        compliance = [accounts.create_user(
            session, actor=None, email=f"c{n}@bench.example.com", first_name="Compliance",
            last_name=letters(n), password=BENCH_PASSWORD, roles=("compliance",))
            for n in range(REVIEWERS)]
        for n in range(advisors):
            user = accounts.create_user(
                session, actor=None, email=f"a{n}@bench.example.com", first_name=letters(n),
                last_name="Bench", password=BENCH_PASSWORD, roles=("advisor",),
                branch_id=branch.id, language=("fr" if n % 2 else "en"), time_zone="UTC")
            link(session, user, adapter, cipher)
        for n in range(items):
            word = WORDS[n % len(WORDS)]
            draft = library.create_item(session, actor=marketing[n % CURATORS],
                                        fields=library.ItemFields(
                title=f"{word.title()} note {n}",
                text=f"Thinking about {word}? Let us talk, {{advisor_first_name}}.",
                networks=["sandbox", "linkedin"], placeholders=["advisor_first_name"]))
            library.submit_version(session, actor=marketing[n % CURATORS], version_id=draft.id)
            approvals.decide(session, review_id=draft.review_id, actor=compliance[0],
                             decision="approve")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers at {url}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(base: str, stats: Stats, args: argparse.Namespace,
          scheduled: list[int]) -> float:
    until = time.monotonic() + args.duration
    rng = random.Random(args.seed)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.advisors + REVIEWERS + CURATORS) as pool:
        futures = [pool.submit(advisor_session, User(base, stats, f"a{n}@bench.example.com"),
                               random.Random(rng.random()), until, args.think, scheduled)
                   for n in range(args.advisors)]
        futures += [pool.submit(reviewer_session, User(base, stats, f"c{n}@bench.example.com"),
                                random.Random(rng.random()), until, args.think)
                    for n in range(REVIEWERS)]
        futures += [pool.submit(curator_session, User(base, stats, f"m{n}@bench.example.com"),
                                random.Random(rng.random()), until, args.think * 2)
                    for n in range(CURATORS)]
        for future in futures:
            try:
                future.result()
            except Exception as exc:  # a broken page (no form, bad link) is an error too
                stats.error(f"session ended: {exc!r}")
    return time.monotonic() - started


def report(stats: Stats, elapsed: float) -> dict[str, float]:
    total = sum(len(v) for v in stats.times.values())
    print(f"{'page':<24}{'requests':>10}{'median ms':>12}{'p95 ms':>10}")
    for page, times in sorted(stats.times.items()):
        print(f"{page:<24}{len(times):>10}{statistics.median(times) * 1000:>12.0f}"
              f"{percentile(times, 0.95) * 1000:>10.0f}")
    every = [t for v in stats.times.values() for t in v]
    pages = stats.times
    for line in stats.errors[:20]:
        print("error:", line)
    summary = {"rps": round(total / elapsed, 1),
               "p95_ms": round(max(percentile(v, 0.95) for v in pages.values()) * 1000),
               "median_ms": round(statistics.median(every) * 1000)}
    worst = max(pages, key=lambda k: percentile(pages[k], 0.95))
    print(f"requests/s {summary['rps']}, errors {len(stats.errors)}, worst page p95 "
          f"{summary['p95_ms']} ms ({worst})", flush=True)
    return summary


def exactly_once(url: str, sandbox: SandboxServer, wait: float) -> tuple[int, int, int]:
    """Wait (up to ``wait`` s) until no row is due or in flight, then count against the
    Sandbox's record: (rows, duplicates, lost)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if url.startswith("postgresql://") else url)
    T = PublicationTarget.__table__
    deadline = time.monotonic() + wait
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            open_rows = connection.scalar(sa.select(sa.func.count()).select_from(T).where(
                T.c.state.in_([TargetState.SCHEDULED.value, TargetState.PUBLISHING.value])))
            if not open_rows:
                break
            connection.rollback()
            time.sleep(1)
        rows = connection.execute(sa.select(T.c.idempotency_key, T.c.state)).all()
    engine.dispose()
    per_key = sandbox.state.stats()["posts_per_key"]
    duplicates = sum(1 for n in per_key.values() if n > 1)
    lost = sum(1 for key, state in rows
               if state != TargetState.PUBLISHED.value or per_key.get(key, 0) == 0)
    return len(rows), duplicates, lost


BARE_APP = '''
import os
import sqlalchemy as sa
from flask import Flask, jsonify, request
engine = sa.create_engine(os.environ["BARE_DATABASE_URL"], pool_size=8)
app = Flask(__name__)
QUERY = sa.text("SELECT v.id, v.title, v.text FROM library_item_versions v "
                "WHERE v.status = 'approved' AND (v.title ILIKE :q OR v.text ILIKE :q) "
                "ORDER BY v.id DESC LIMIT 20")
@app.get("/")
def search():
    with engine.connect() as c:
        rows = c.execute(QUERY, {"q": "%" + request.args.get("q", "") + "%"}).all()
    return jsonify([list(r) for r in rows])
'''


def bare(url: str, args: argparse.Namespace, env: dict[str, str]) -> float:
    """The same client and think time against one bare Flask endpoint running the library
    search's single query, served by gunicorn the same way; its p95 in ms."""
    folder = tempfile.mkdtemp(prefix="bench-bare-")
    Path(folder, "bare_app.py").write_text(BARE_APP)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "4", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "--chdir", folder, "bare_app:app"],
        env={**env, "BARE_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        stats = Stats()
        until = time.monotonic() + min(args.duration, 30)

        def session(n: int) -> None:
            user, rng = User(f"http://127.0.0.1:{port}", stats, f"bare{n}"), random.Random(n)
            while time.monotonic() < until:
                time.sleep(rng.expovariate(1 / args.think))
                user.get("bare search", f"/?q={rng.choice(WORDS)}")

        with ThreadPoolExecutor(max_workers=args.advisors) as pool:
            list(pool.map(session, range(args.advisors)))
        times = stats.times["bare search"]
        print(f"bare endpoint: {len(times)} requests, median "
              f"{statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f}"
              f" ms, errors {len(stats.errors)}", flush=True)
        return percentile(times, 0.95) * 1000
    finally:
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisors", type=int, default=200)
    parser.add_argument("--duration", type=float, default=75, help="seconds of load")
    parser.add_argument("--think", type=float, default=4.0,
                        help="mean seconds a user waits between two pages")
    parser.add_argument("--items", type=int, default=60, help="approved library items")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from advisor_hub.accounts.passwords import use_fast_hashing

    # The seeded hashes carry the fast parameters, so the logins check them fast too: the
    # run measures the portal, not the password hash (accounts.passwords).
    use_fast_hashing()
    url = fresh_database("postgresql", DB_NAME)
    with SandboxServer({"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
                        "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 86400}) as sandbox:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-load",
               "TOKEN_ENCRYPTION_KEY": KEY, "ADVISOR_HUB_ENV": "development",
               "SANDBOX_MOUNT": "false", "SANDBOX_API_BASE": sandbox.url,
               "SANDBOX_REJECTS_DUPLICATES": "false", "SCHEDULER_ENABLED": "false",
               "SCHEDULER_INTERVAL_SECONDS": "1", "RATELIMIT_ENABLED": "false",
               "ADVISOR_HUB_SESSION_COOKIE_SECURE": "false",
               "ADVISOR_HUB_INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-"),
               "PYTHONPATH": str(ROOT)}
        os.environ.update({k: env[k] for k in ("SANDBOX_REJECTS_DUPLICATES",)})
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-load",
                          "TOKEN_ENCRYPTION_KEY": KEY, "SANDBOX_MOUNT": False,
                          "SANDBOX_API_BASE": sandbox.url, "SCHEDULER_ENABLED": False,
                          "ENV": "development",
                          "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="bench-uploads-")})
        started = time.perf_counter()
        seed(app, sandbox.url, args.advisors, args.items)
        database(app).engine.dispose()
        print(f"seeded {args.advisors} advisors, {args.items} items in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        port = free_port()
        logs = Path(tempfile.mkdtemp(prefix="bench-load-logs-"))
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "4", "--threads", "4", "--bind",
             f"127.0.0.1:{port}", "advisor_hub:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=(logs / "gunicorn.log").open("w"))
        schedulers = [subprocess.Popen([str(BIN / "flask"), "--app", "advisor_hub", "scheduler"],
                                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                       stderr=(logs / f"scheduler{n}.log").open("w"))
                      for n in range(2)]
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/login")
            stats, scheduled = Stats(), []
            elapsed = drive(base, stats, args, scheduled)
            summary = report(stats, elapsed)
            rows, duplicates, lost = exactly_once(url, sandbox, wait=90)
            print(f"exactly once: {len(scheduled)} posts composed through the portal (free-form"
                  " ones wait for review), "
                  f"{rows} outbox rows, Sandbox posts {sandbox.state.stats()['posts']}, "
                  f"duplicates {duplicates}, lost {lost} (logs: {logs})", flush=True)
        finally:
            for proc in (web, *schedulers):
                proc.terminate()
            for proc in (web, *schedulers):
                proc.wait(20)
        bare_p95 = bare(url, args, env)
    result = {"rps": summary["rps"], "p95_ms": summary["p95_ms"], "errors": len(stats.errors),
              "bare_p95_ms": round(bare_p95), "duplicates": duplicates, "lost": lost}
    print(json.dumps(result))
    return 0 if not stats.errors and duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
