"""Campaign benchmark (not a timed test): opt-in of N advisors to a 12-post campaign, its
dispatch to the Sandbox over HTTP on loopback, and the weekly digest job for M advisors.

    python bench/campaigns.py [--advisors 100] [--steps 12] [--digest-advisors 500]
                              [--db sqlite|postgresql] [--workers 8]
    python bench/campaigns.py --advisors 1000 --digest-advisors 5000   # the full size

Everything goes through the real services: advisors link their Sandbox account over real
OAuth, marketing's campaign is approved by compliance through approvals, each opt-in is one
transaction (then a tenth of the advisors opt in again: nothing may be scheduled twice), the
real dispatcher sends every post (with its publish-time re-checks), and the digest job runs
batch by batch (CAMPAIGN_DIGEST_BATCH) through the after-commit mail path, to a recording
SMTP stand-in. ``duplicates``: a post sent twice (the Sandbox counts idempotency keys, its
duplicate rejection off) or a step scheduled twice for one account, or a digest sent twice;
``lost``: a campaign post not published, or a due digest not sent. The last line is one
JSON object.

The full size on SQLite, one run on the shared 2-core machine (2026-12-02, after the opt-in
batching): {"advisors": 1000, "optin_s": 189.16, "dispatch_posts_per_s": 227.4,
"digest_s": 81.41, "duplicates": 0, "lost": 0} (setup 87 s, dispatch 53 s, 12,000 posts).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import smtplib
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor_hub import create_app, migrate  # noqa: E402
from advisor_hub.accounts import services as accounts  # noqa: E402
from advisor_hub.campaigns import services as campaigns  # noqa: E402
from advisor_hub.campaigns.digest import send_digests  # noqa: E402
from advisor_hub.campaigns.models import CampaignPost  # noqa: E402
from advisor_hub.connectors.grants import record_grant  # noqa: E402
from advisor_hub.db import database, make_engine, transaction, utcnow  # noqa: E402
from advisor_hub.networks import (  # noqa: E402
    SandboxAdapter,
    TokenCipher,
    generate_key,
    new_code_verifier,
    new_state,
    sandbox_config,
)
from advisor_hub.publishing.dispatch import Dispatcher  # noqa: E402
from advisor_hub.publishing.models import (  # noqa: E402
    AccountStatus,
    LinkedAccount,
    PublicationTarget,
    TargetState,
)
from advisor_hub.publishing.tokens import store_tokens  # noqa: E402
from advisor_hub.sandbox import SandboxServer  # noqa: E402
from approvals import services as approvals  # noqa: E402
from content_library import services as library  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
KEY = generate_key()
CALLBACK = "http://127.0.0.1:9/publishing/accounts/callback/sandbox"


def fresh_database(kind: str, name: str) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/{name}.sqlite3"
    else:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection=connection)
    engine.dispose()
    return url


class Smtp:
    """Counts the messages by recipient (the digest job's mail, after each commit)."""

    sent: Counter[str] = Counter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> Smtp:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def login(self, *args: Any) -> None:
        return None

    def send_message(self, message: Any) -> None:
        if "digest" in str(message.get("List-Unsubscribe", "")):
            Smtp.sent[str(message["To"])] += 1


def link(session: Any, user: Any, adapter: SandboxAdapter, cipher: TokenCipher) -> None:
    state, verifier = new_state(), new_code_verifier()
    url = adapter.authorization_url(state, verifier) + f"&auto=1&login=adv{user.id}"
    callback = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    tokens = adapter.complete_authorization(callback, state, verifier)
    profile = adapter.fetch_profile(tokens)
    account = LinkedAccount(user_id=user.id, network="sandbox",
                            external_id=profile.external_id, display_name=profile.name,
                            status=AccountStatus.ACTIVE)
    store_tokens(account, tokens, cipher)
    session.add(account)
    session.flush()
    record_grant(session, account, tokens=tokens, now=utcnow())  # as linking records it


def letters(n: int) -> str:
    """A plain first name for advisor ``n`` (a personalisation value has no digits)."""
    name = ""
    while True:
        n, rest = divmod(n, 26)
        name = chr(ord("a") + rest) + name
        if n == 0:
            return "Ad" + name
        n -= 1


BENCH_PASSWORD = "correct-horse-battery-staple"  # passes the password policy (zxcvbn)


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(args.db, "bench_campaigns")
    sandbox_settings = {"ENABLE_CONTROL": True, "REJECT_DUPLICATE_KEYS": False,
                        "REJECT_DUPLICATE_TEXT": False, "ACCESS_TOKEN_TTL": 86400 * 30}
    smtplib.SMTP = Smtp  # type: ignore[misc,assignment]
    with SandboxServer(sandbox_settings) as sandbox:
        app = create_app({
            "SECRET_KEY": "bench", "DATABASE_URL": url, "TOKEN_ENCRYPTION_KEY": KEY,
            "SANDBOX_API_BASE": sandbox.url, "SANDBOX_MOUNT": False,
            "SCHEDULER_ENABLED": False, "MAIL_SERVER": "smtp.bench.invalid",
            "DISPATCH_WORKERS": args.workers, "CAMPAIGN_STAGGER_MINUTES": 30,
            "CAMPAIGN_DIGEST_HOUR": 0, "CAMPAIGN_DIGEST_BATCH": 200,
            "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="bench-uploads-")})
        adapter = SandboxAdapter(sandbox_config(sandbox.url, redirect_uri=CALLBACK))
        cipher = TokenCipher(KEY)
        started = time.perf_counter()
        with app.app_context(), transaction() as session:
            marketing = accounts.create_user(session, actor=None, email="m@bench.test",
                                             first_name="M", last_name="Bench",
                                             password=BENCH_PASSWORD, roles=("marketing",))
            compliance = accounts.create_user(session, actor=None, email="c@bench.test",
                                              first_name="C", last_name="Bench",
                                              password=BENCH_PASSWORD, roles=("compliance",))
            branches = [accounts.create_branch(session, actor=None, name=f"Branch {n}",
                                               city=f"City {n}") for n in range(5)]
            campaign_branch = accounts.create_branch(session, actor=None, name="Campaign")
            advisor_ids = []
            for n in range(max(args.advisors, args.digest_advisors)):
                in_campaign = n < args.advisors
                user = accounts.create_user(
                    session, actor=None, email=f"a{n}@bench.test", first_name=letters(n),
                    last_name="Bench", password=BENCH_PASSWORD, roles=("advisor",),
                    branch_id=(campaign_branch if in_campaign else branches[n % 5]).id,
                    language=("fr" if n % 2 else "en"),
                    time_zone=("Europe/Paris" if n % 3 else "America/New_York"))
                if in_campaign:
                    link(session, user, adapter, cipher)
                    advisor_ids.append(user.id)
            versions = []
            for n in range(args.steps + 6):
                draft = library.create_item(session, actor=marketing, fields=library.ItemFields(
                    title=f"Post {n}", text=f"Campaign post number {n} from "
                    "{advisor_first_name}.", networks=["linkedin"],
                    placeholders=["advisor_first_name"]))
                library.submit_version(session, actor=marketing, version_id=draft.id)
                approvals.decide(session, review_id=draft.review_id, actor=compliance,
                                 decision="approve")
                versions.append(draft)
            start = (utcnow() + timedelta(days=1)).date()
            campaign = campaigns.create_campaign(session, actor=marketing,
                                                 fields=campaigns.CampaignFields(
                name="Bench", start_date=start, end_date=start + timedelta(days=args.steps),
                time_mode="firm", time_zone="UTC", branch_ids=[campaign_branch.id]))
            for n in range(args.steps):
                campaigns.add_step(session, actor=marketing, campaign_id=campaign.id,
                                   step=campaigns.StepFields(versions[n].id, n, "09:00"))
            campaigns.submit_campaign(session, actor=marketing, campaign_id=campaign.id)
            approvals.decide(session, review_id=campaign.review_id, actor=compliance,
                             decision="approve")
            campaign_id = campaign.id
        setup_s = time.perf_counter() - started

        # -- opt-in: one transaction per advisor, then a tenth of them again ----------------
        started = time.perf_counter()
        for advisor_id in advisor_ids:
            with app.app_context(), transaction() as session:
                campaigns.opt_in(session, campaign_id=campaign_id,
                                 advisor=session.get(accounts.User, advisor_id))
        optin_s = time.perf_counter() - started
        again = 0
        for advisor_id in advisor_ids[::10]:
            with app.app_context(), transaction() as session:
                again += campaigns.opt_in(session, campaign_id=campaign_id,
                                          advisor=session.get(accounts.User,
                                                              advisor_id)).scheduled
        expected = len(advisor_ids) * args.steps
        with app.app_context(), transaction() as session:
            rows = session.scalar(sa.select(sa.func.count(CampaignPost.id))) or 0
            spread = session.execute(sa.select(sa.func.min(PublicationTarget.due_at),
                                               sa.func.max(PublicationTarget.due_at))).one()

        # -- dispatch: the real dispatcher, as if the campaign's last day had come ----------
        dispatcher = Dispatcher(database(app).sessionmaker, app.config)
        when = datetime.combine(start + timedelta(days=args.steps), datetime.min.time(),
                                tzinfo=UTC) + timedelta(hours=12)
        # The dispatcher reads "now" from the database: bring the due times forward instead.
        shift = when - utcnow()
        with app.app_context(), transaction() as session:
            for target in session.scalars(sa.select(PublicationTarget)):
                target.due_at = target.due_at - shift
        started = time.perf_counter()
        try:
            while dispatcher.run_once().claimed:
                pass
        finally:
            dispatcher.close()
        dispatch_s = time.perf_counter() - started
        stats = sandbox.state.stats()
        with app.app_context(), transaction() as session:
            published = session.scalar(sa.select(sa.func.count(PublicationTarget.id)).where(
                PublicationTarget.state == TargetState.PUBLISHED)) or 0

        # -- the digest job, batch by batch -------------------------------------------------
        started = time.perf_counter()
        batches = 0
        while True:
            with app.app_context(), transaction() as session:
                sent = send_digests(session, utcnow(), config=app.config)
            if not sent:
                break
            batches += 1
        digest_s = time.perf_counter() - started
        digest_expected = max(args.advisors, args.digest_advisors)
        database(app).engine.dispose()
    duplicates = (len(stats["keys_posted_more_than_once"]) + again + max(0, rows - expected)
                  + sum(n - 1 for n in Smtp.sent.values() if n > 1))
    lost = max(0, expected - published) + max(0, digest_expected - len(Smtp.sent))
    detail = {"db": args.db, "steps": args.steps, "setup_s": round(setup_s, 1),
              "posts": expected, "published": published, "sandbox_posts": stats["posts"],
              "stagger_first_due": spread[0].isoformat() if spread[0] else None,
              "stagger_last_due": spread[1].isoformat() if spread[1] else None,
              "dispatch_s": round(dispatch_s, 2), "digests": len(Smtp.sent),
              "digest_batches": batches}
    print(json.dumps(detail), flush=True)
    return {"advisors": len(advisor_ids), "optin_s": round(optin_s, 2),
            "dispatch_posts_per_s": round(published / max(dispatch_s, 1e-9), 1),
            "digest_s": round(digest_s, 2), "duplicates": duplicates, "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisors", type=int, default=100)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--digest-advisors", type=int, default=500)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("advisor_hub").setLevel(logging.WARNING)
    from advisor_hub.accounts.passwords import use_fast_hashing

    use_fast_hashing()
    summary = run(args)
    print(json.dumps(summary))
    return 0 if summary["duplicates"] == 0 and summary["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
