"""Every page of every role, in French, with realistic data, shows no English message and no
raw code (issue 14: extends test_translations' untranslated-string check to messages built from
data: policy findings, reasons, audit actions and changes, archive records, notifications).

The demo bank is seeded, then given posts in several states (approved from the library,
pending with findings, rejected with a reason, changes requested, a life-event message), a
linked account, decisions (archive records), notifications and audit events. Every user
reads French. Each role's pages are crawled from the home page and the navigation (links of
this site, GET only, a few pages per URL pattern); on each page, the visible text (text nodes,
titles, placeholders, labels of buttons; not scripts, nor text marked with another ``lang``)
must contain:

- no English message of the catalogues: a text node equal to a msgid whose French differs,
  or a longer msgid (four words and more) anywhere in the text;
- no code of the known list: every StrEnum value of the app, every audit action recorded,
  the object types, review kinds, life-event keys and reason codes; and none of the phrases
  the issue quoted ("user system", "decided by user", "basis review", "users #").
"""

from __future__ import annotations

import enum
import re
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from advisor_hub import ROOT
from advisor_hub.accounts import services as accounts
from advisor_hub.accounts.models import User
from advisor_hub.audit.labels import ACTION_LABELS
from advisor_hub.audit.models import AuditEvent
from advisor_hub.db import utcnow
from advisor_hub.demo import DEMO_PASSWORD, seed_demo
from advisor_hub.labels import SUBJECT_LABELS
from advisor_hub.networks import Account, TokenCipher, TokenSet
from advisor_hub.publishing import composer
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import Post
from approvals import services as approvals
from approvals.forms import KIND_LABELS
from approvals.models import ReasonCode, ReviewRequest, ReviewStatus, Verdict
from approvals.policy import STARTER_LEXICON
from content_library import life_events
from content_library.models import LibraryItemVersion, LifeEventTemplate, Status
from tests.conftest import TEST_TOKEN_KEY

CATALOGUES = sorted(ROOT.glob("*/translations")) + sorted(ROOT.glob("advisor_hub/*/translations"))
PAGES_PER_PATTERN = 6
MAX_PAGES_PER_ROLE = 150
SKIP = ("/static/", "/bootstrap/", "/logout", "/sandbox", "/health", ".csv", "/export",
        "/media/", "format=", "/library/images/", "/archive/verify")
# Data that happens to spell a code: a disclosure's category is what compliance typed.
ALLOWED = {("/review/disclosures", "code: 'promotion'"), ("/admin/audit", "code: 'promotion'")}
QUOTED = ("user system", "decided by user", "basis review", "users #", "(en)", "(fr)")
# Words the same in both languages or names (shown as they are).
SAME = {"Advisor Hub", "LinkedIn", "Facebook", "X", "Sandbox", "English", "Français", "OK",
        "E-mail", "Campagnes", "Code", "Source", "Version", "Notification", "Notifications",
        "Archive", "Justification", "Total", "Type", "Note", "Score", "Message", "Audience",
        "Tags", "Tag", "Action", "Actions", "Date", "Format", "Statut", "Image", "Minutes"}


def _english_messages() -> tuple[set[str], list[str]]:
    """(msgids whose French differs, the long ones and the long literal parts of the
    others): what an untranslated string looks like on a page."""
    exact: set[str] = set()
    long: list[str] = []
    for catalogue in CATALOGUES:
        with (catalogue / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            for message in read_po(handle):
                ids = [message.id] if isinstance(message.id, str) else list(message.id)
                strings = ([message.string] if isinstance(message.string, str)
                           else list(message.string))
                for msgid in ids:
                    if not msgid or msgid in strings or msgid in SAME:
                        continue
                    exact.add(" ".join(msgid.split()))
                    for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", msgid):
                        part = " ".join(part.split()).strip(" .,:;")
                        if len(part.split()) >= 4:
                            long.append(part)
    return exact, sorted(set(long))


def _known_codes(session: Any) -> set[str]:
    codes: set[str] = set()
    pending = list(enum.StrEnum.__subclasses__())
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind.__module__.startswith(("advisor_hub", "approvals", "content_library")):
            codes.update(member.value for member in kind)
    codes.update(ACTION_LABELS)
    codes.update(session.scalars(select(AuditEvent.action).distinct()))
    codes.update(SUBJECT_LABELS, KIND_LABELS)
    codes.update(t.key for t in life_events.list_event_types(session))
    codes.update(session.scalars(select(ReasonCode.code)))
    codes.update({"post.state", "library_item", "misleading", "new_home", "birth"})
    return {c for c in codes if c and len(c) > 2}


class _Text(HTMLParser):
    """The visible text of a page, node by node (not scripts; not text in another lang)."""

    HIDDEN = {"script", "style", "template", "noscript"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.links: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        # Text in another language, or marked as not to be translated (a code shown on
        # purpose: the reason codes compliance keeps, the SSO map's syntax, raw payloads).
        hidden = self._hidden() or tag in self.HIDDEN or values.get("translate") == "no" \
            or (lang is not None and lang != "fr" and tag != "html")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if not hidden:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if values.get(name):
                    self.nodes.append(values[name] or "")
            if tag == "input" and values.get("type") in ("submit", "button") \
                    and values.get("value"):
                self.nodes.append(values["value"] or "")
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._hidden():
            self.nodes.append(text)


def _world(session: Any, *, seeded: bool = False) -> dict[str, User]:
    """The demo bank with something in every state, everyone reading French."""
    if not seeded:
        seed_demo(session)
    users = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
    bruno, claire = users["bruno.advisor"], users["claire.compliance"]
    account = link_account(session, user=bruno, network="sandbox",
                           account=Account("bruno-1", "Bruno Durand",
                                           "https://sandbox.example/bruno"),
                           tokens=TokenSet("token"), cipher=TokenCipher(TEST_TOKEN_KEY))
    approvals.decide(session, review_id=account.review_id, actor=claire,
                     decision=Verdict.APPROVE)
    pending = link_account(session, user=users["emma.advisor"], network="sandbox",
                           account=Account("emma-1", "E. Laurent"),
                           tokens=TokenSet("token"), cipher=TokenCipher(TEST_TOKEN_KEY))
    assert pending.review_id
    versions = list(session.scalars(select(LibraryItemVersion).where(
        LibraryItemVersion.status == Status.APPROVED, LibraryItemVersion.language == "fr")))

    later = utcnow() + timedelta(days=30)

    def post(body: str | None = None, version: LibraryItemVersion | None = None,
             **extra: Any) -> Post:
        text = body if body is not None else composer.load_source(
            session, advisor=bruno, version_id=version.id if version else None).text
        return composer.compose_post(session, author=bruno, body=text, link_url=None,
                                     account_ids=[account.id], publish_now=False,
                                     when_local=None, scheduled_at=later,
                                     version_id=version.id if version else None, **extra)

    post(version=versions[0])  # approved from the library, scheduled
    flagged = post("Un placement garanti : parlons-en à l'agence.")  # a finding: in review
    rejected = post("Notre livret : une offre à découvrir en agence.")
    approvals.decide(session, review_id=rejected.review_id, actor=claire,
                     decision=Verdict.REJECT, reason_code="misleading",
                     comment="Trop vague sur les conditions.")
    changes = post("Parlons de votre retraite, sans engagement.")
    approvals.decide(session, review_id=changes.review_id, actor=users["louis.legal"],
                     decision=Verdict.REQUEST_CHANGES, comment="Ajoutez l'avertissement.")
    template = next(t for t in session.scalars(select(LifeEventTemplate))
                    if t.language == "fr" and t.type.key == "new_home"
                    and t.status == Status.APPROVED)
    source = composer.load_source(session, advisor=bruno, template_id=template.id,
                                  client_first_name="Julie")
    composer.compose_post(session, author=bruno, body=source.text + " À bientôt !",
                          link_url=None, account_ids=[account.id], publish_now=False,
                          when_local=None, scheduled_at=later, template_id=template.id,
                          client_first_name="Julie")
    assert session.get(ReviewRequest, flagged.review_id).findings
    assert session.get(ReviewRequest, rejected.review_id).status == ReviewStatus.REJECTED
    # The demo bank seeds its branch manager; the page crawl needs one either way.
    manager = accounts.find_user_by_email(session, "bea.manager@demo.bank") or \
        accounts.create_user(
            session, actor=None, email="bea.manager@demo.bank", first_name="Béa",
            last_name="Roy", password=DEMO_PASSWORD, roles=["branch_manager"],
            branch_id=bruno.branch_id, language="fr")
    for user in session.scalars(select(User)):
        user.language = "fr"
    session.flush()
    users["bea.manager"] = manager
    return users


def _crawl(client: Any, start: list[str]) -> dict[str, str]:
    seen_patterns: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque(start)
    visited: set[str] = set()
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        url = queue.popleft().split("#")[0]
        if not url.startswith("/") or url.startswith("//") or url in visited \
                or any(s in url for s in SKIP):
            continue
        visited.add(url)
        pattern = re.sub(r"\d+", "N", url.split("?")[0])
        if seen_patterns.get(pattern, 0) >= PAGES_PER_PATTERN:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        seen_patterns[pattern] = seen_patterns.get(pattern, 0) + 1
        html = response.get_data(as_text=True)
        pages[url] = html
        parser = _Text()
        parser.feed(html)
        queue.extend(link for link in parser.links if link.startswith("/"))
    return pages


def _problems(url: str, html: str, exact: set[str], long: list[str],
              codes: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = " \n ".join(parser.nodes)
    found = []
    for node in parser.nodes:
        if node in exact or node.rstrip(":") in exact:
            found.append(f"English: {node!r}")
        if node in codes:
            found.append(f"code: {node!r}")
    found += [f"English: {part!r}" for part in long if part in text]
    coded = [c for c in codes if ("_" in c or "." in c)
             and re.search(rf"(?<![\w./-]){re.escape(c)}(?![\w/-])", text)]
    found += [f"code: {c!r}" for c in coded]
    found += [f"quoted: {q!r}" for q in QUOTED if q in text]
    return [f"{url}: {p}" for p in dict.fromkeys(found)
            if (url.split("?")[0], p) not in ALLOWED]


ROLES = ("bruno.advisor", "marc.marketing", "claire.compliance", "louis.legal",
         "ada.admin", "bea.manager")


@pytest.mark.both_backends
def test_every_page_of_every_role_in_french(client, auth, db_session, app) -> None:
    users = _world(db_session)
    exact, long = _english_messages()
    # Messages built from data: the English texts of the reasons and of the lexicon's notes.
    exact |= {r.label for r in db_session.scalars(select(ReasonCode))}
    long += sorted({t.note for t in STARTER_LEXICON if t.note})
    codes = _known_codes(db_session)
    from advisor_hub.navigation import menu_for

    problems: list[str] = []
    crawled = 0
    for role in ROLES:
        user = users[role]
        auth.login(user, password=DEMO_PASSWORD)
        with app.test_request_context():
            from flask import url_for

            start = ["/", "/notifications", "/preferences"] + [
                url_for(item.endpoint) for entry in menu_for(user.roles)
                for item in entry.items]
        pages = _crawl(client, start)
        crawled += len(pages)
        assert pages, role
        for url, html in pages.items():
            assert '<html lang="fr">' in html, url
            problems += _problems(url, html, exact, long, codes)
        auth.logout()
    print(f"{crawled} pages crawled")
    assert crawled > 40
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:200])


@pytest.mark.parametrize("states", [
    "advisor_hub.publishing.models:PostState", "advisor_hub.publishing.models:TargetState",
    "advisor_hub.publishing.models:AccountStatus", "advisor_hub.publishing.models:FailureClass",
    "advisor_hub.publishing.models:PostSource", "approvals.models:ReviewStatus",
    "approvals.models:DecisionKind", "approvals.models:LinkKind", "content_library.models:Status",
    "advisor_hub.campaigns.models:CampaignState"])
def test_every_state_a_page_shows_has_a_label(app, states: str) -> None:
    import importlib

    from advisor_hub.labels import state_label

    module, name = states.split(":")
    with app.test_request_context(), force_locale("fr"):
        unlabelled = [m.value for m in getattr(importlib.import_module(module), name)
                      if state_label(m.value) == m.value]
    assert not unlabelled


def test_every_recorded_field_and_action_has_a_label(db_session, app) -> None:
    from advisor_hub.audit.labels import action_label
    from advisor_hub.labels import FIELD_LABELS

    _world(db_session)
    events = list(db_session.scalars(select(AuditEvent)))
    fields = {k for e in events for d in (e.before or {}, e.after or {}) for k in d}
    assert not fields - set(FIELD_LABELS)
    with app.test_request_context():
        assert not [e.action for e in events if action_label(e.action) == e.action]


def test_the_check_catches_english_and_codes() -> None:
    exact, long = _english_messages()
    codes = {"pending_review", "post.state", "birth"}
    page = ('<html lang="fr"><body><p>Page not found</p><td>birth</td>'
            "<p>État : pending_review, post.state</p><p lang=\"en\">Page not found</p>"
            "<p>decided by user 7</p></body></html>")
    problems = _problems("/x", page, exact, long, codes)
    assert "/x: English: 'Page not found'" in problems
    assert "/x: code: 'birth'" in problems
    assert "/x: code: 'pending_review'" in problems and "/x: code: 'post.state'" in problems
    assert "/x: quoted: 'decided by user'" in problems
    assert len([p for p in problems if "Page not found" in p]) == 1  # lang="en" is skipped


def test_catalogues_exist() -> None:
    assert all(Path(c).is_dir() for c in CATALOGUES)
