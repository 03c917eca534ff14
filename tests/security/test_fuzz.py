"""A hypothesis-driven fuzz of every form and every query parameter, on both databases.

What is fuzzed is found, not listed: every row of the role matrix (``tests/access/rows_*.py``,
which must cover every route of the url map) is first sent once, as the role the matrix lets
in, while the app records (1) every WTForms form it builds and the names of its fields and
(2) every key it reads from the query string or the posted form. Those names then receive
random and hostile strings (huge, control characters, NUL, bidi overrides, zero-width,
emoji, confusables, SQL / LIKE / FTS meta, HTML and JavaScript payloads, out-of-range
numbers and dates, header and redirect tricks). A new route cannot escape: it needs a matrix
row, and a state-changing route whose request reads no field must be listed in ``FORMLESS``.

For every answer: no 5xx; a redirect stays on the portal; no HTML page holds a live element
from a payload (the page is parsed: a ``data-fz`` attribute, an ``on*=`` handler or a
``javascript:`` URL carrying ``fz(``, or a script calling it); for a French user (or an
anonymous visitor asking for French) no refusal is in English. After a route's examples the
pages the stored values may show on (the same package's pages the role can open) are checked
for live markup too.

Bounded for the suite: a few derandomized examples per route (``FUZZ_EXAMPLES``, default 5),
no shrinking, no example database. ``FUZZ_EXAMPLES=50`` digs deeper by hand.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import wtforms.form
from babel.messages.pofile import read_po
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.access.matrix import ANON, ROLES, Row
from tests.access.test_role_matrix import (
    IMPLICIT_METHODS,
    ROWS,
    SANDBOX_SEGMENT,
    UNCHECKED_ENDPOINTS,
    _act_as,
    _AnyId,
)

pytestmark = pytest.mark.both_backends

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
ROOT = Path(__file__).resolve().parents[2]

# SCIM is a JSON API for the identity provider (bearer token, no forms, no pages): its
# hostile input is tested in tests/sso. Everything else of the url map is fuzzed.
NOT_FUZZED_PREFIXES = ("/scim/",)
# State-changing routes whose request carries nothing but the CSRF token (a button): there
# is no field to fuzz, only the query string.
FORMLESS = {
    "approvals.claim", "approvals.release", "approvals.lexicon_remove", "approvals.links_remove",
    "approvals.disclosures_remove", "accounts.logout", "archive.release_hold",
    "library.version_submit", "library.item_retire", "library.template_submit",
    "library.template_retire", "publishing.unlink", "publishing.cancel",
}
# State-changing routes whose form is only read past a guard the matrix row does not pass (a
# forged token, no pending authorisation): only that refusal is fuzzed here.
GUARDED = {
    "campaigns.digest_link", "campaigns.unsubscribe",  # a signed digest token
    "accounts.password_reset",  # a valid reset token (its form: tests/accounts)
    "publishing.facebook_pages",  # a Facebook authorisation pending in the session
}
# Answers that are not the server failing: the health check says 503 when the scheduler is
# not running (as in these tests).
EXPECTED_5XX = {"health.healthz": 503}
# Routes that send the browser to a network's (or identity provider's) authorisation page.
OAUTH_REDIRECTS = {"sso.login"}

# --- hostile strings ------------------------------------------------------------------------

PAYLOADS = [
    '<img src=x onerror="fz(1)" data-fz=1>',
    "<script>fz(2)</script>",
    '"><svg onload=fz(3) data-fz=1>',
    "'><a href=\"javascript:fz(4)\" data-fz=1>x</a>",
    "javascript:fz(5)",
    "&lt;img src=x onerror=fz(6) data-fz=1&gt;",
    "&amp;lt;script&amp;gt;fz(7)&amp;lt;/script&amp;gt;",
    "{{ 7*7 }}{% raw %}${7*7}",
    "<iframe srcdoc='<script>fz(8)</script>' data-fz=1></iframe>",
]
HOSTILE = [
    "", " ", "\x00", "a\x00b", "\x01\x07\x1b[31m", "\r\n", "line\r\nBcc: fz@evil.example",
    "\u202egnp.exe", "ri\u200bsk-free", "\ufeff", "😀👨‍👩‍👧\U0010ffff", "guаranteed returns",
    "rіsk-free", "' OR 1=1 --", "'; DROP TABLE users; --", "%", "_", "%_\\", "\\",
    '"a" NEAR(b c) OR -d* ^e:f', "title:*", "9223372036854775808", "-9223372036854775809",
    "-1", "0", "1e309", "NaN", "Infinity", "9999-12-31", "0000-00-00", "2020-02-30",
    "9999-12-31T23:59", "24:61", "https://evil.example/", "//evil.example", "/\\evil.example",
    "\t/evil.example", "%0d%0aSet-Cookie:fz=1", "../../etc/passwd", "A" * 20_000,
    "é" * 3000, "ｆｕｌｌｗｉｄｔｈ", "İı", "ß", *PAYLOADS,
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.tuples(st.sampled_from(HOSTILE), st.text(max_size=8), st.sampled_from(PAYLOADS))
    .map("".join),
)

# --- recording what a request reads ----------------------------------------------------------


class _Reads:
    active = False
    keys: set[str] = set()
    forms: dict[str, list[str]] = {}


def _note(key: Any) -> None:
    if _Reads.active and isinstance(key, str):
        _Reads.keys.add(key)


class RecordingDict(ImmutableMultiDict):
    """The query string and posted form, noting each key the app asks for."""

    def __contains__(self, key: object) -> bool:
        _note(key)
        return super().__contains__(key)

    def __getitem__(self, key: Any) -> Any:
        _note(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        _note(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> list[Any]:
        _note(key)
        return super().getlist(key, type)


def _field_names(form: Any) -> Iterator[str]:
    for field in form:
        inner = getattr(field, "form", None)
        if field.type == "FormField" and inner is not None:
            yield from _field_names(inner)
        elif field.type == "FieldList":
            yield f"{field.name}-0"
        else:
            yield field.name


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = wtforms.form.BaseForm.process

    def process(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _Reads.active:
            _Reads.forms[type(self).__qualname__] = list(_field_names(self))
        return original(self, *args, **kwargs)

    _Reads.active, _Reads.keys, _Reads.forms = True, set(), {}
    with monkeypatch.context() as patch:
        patch.setattr(wtforms.form.BaseForm, "process", process)
        try:
            yield
        finally:
            _Reads.active = False


def _recording_app(app: Flask) -> None:
    class RecordingRequest(app.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = RecordingDict

    app.request_class = RecordingRequest


# --- what a page must not hold ---------------------------------------------------------------


class _Scan(HTMLParser):
    REFUSAL = re.compile(r"\b(alert|invalid-feedback|text-danger|form-errors)\b")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.text: list[str] = []
        self.refusals: list[str] = []
        self._stack: list[bool] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            if name == "data-fz" or name.startswith("fz"):
                self.live.append(f"<{tag} {name}>")
            elif "fz(" in value and (
                    name.startswith("on")
                    or (name in ("href", "src", "action", "formaction", "xlink:href")
                        and re.match(r"\s*(javascript|vbscript|data):", value, re.I))
                    or (name == "srcdoc" and "<script" in value.lower())):
                self.live.append(f"<{tag} {name}={value[:60]!r}>")
        classes = dict(attrs).get("class") or ""
        refusal = bool(self.REFUSAL.search(classes)) or dict(attrs).get("role") == "alert"
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self._stack.append(refusal)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "fz(" in data:
            self.live.append(f"<script>{data[:60]!r}")
        self.text.append(data)
        if any(self._stack):
            self.refusals.append(data)


@cache
def english_refusals() -> tuple[str, ...]:
    """Phrases of English that must not reach a French reader: each catalogue message that
    French translates differently (cut at its placeholders), WTForms' and Werkzeug's own."""
    phrases = {
        "This field is required", "Not a valid choice", "Invalid input", "Field must be",
        "Not a valid integer", "Not a valid date", "Not a valid datetime", "Not a valid time",
        "Not a valid decimal", "Not a valid float", "Invalid email address", "Invalid URL",
        "The CSRF token", "Bad Request", "Not Found", "Forbidden", "Too Many Requests",
        "Method Not Allowed", "Request Entity Too Large", "Internal Server Error",
        "Unprocessable Entity", "Unsupported Media Type", "The browser (or proxy) sent",
    }
    for po in ROOT.glob("**/translations/fr/LC_MESSAGES/messages.po"):
        if ".venv" in po.parts:
            continue
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id or not message.string:
                continue
            english = message.id if isinstance(message.id, str) else message.id[0]
            french = message.string if isinstance(message.string, str) else message.string[0]
            if english == french:
                continue
            for chunk in re.split(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}", english):
                chunk = chunk.strip(" .,:;!?()\"'")
                if len(chunk) >= 18 and chunk.count(" ") >= 3:
                    phrases.add(chunk)
    return tuple(sorted(phrases))


def check_answer(response: Any, *, french: bool, where: str, endpoint: str = "") -> list[str]:
    problems = []
    if response.status_code >= 500 and EXPECTED_5XX.get(endpoint) != response.status_code:
        return [f"{where}: {response.status_code}"]
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        off = (parts.netloc and parts.netloc != "localhost") or location.startswith(("//", "/\\"))
        if off and (endpoint not in OAUTH_REDIRECTS or "evil" in parts.netloc):
            problems.append(f"{where}: redirect off the portal to {location!r}")
    if response.mimetype != "text/html":
        return problems
    scan = _Scan()
    scan.feed(response.get_data(as_text=True))
    scan.close()
    if scan.live:
        problems.append(f"{where}: live markup from a payload {scan.live[:3]}")
    if french:
        text = " ".join(scan.text if response.status_code >= 400 else scan.refusals)
        text = re.sub(r"\s+", " ", text)
        english = [p for p in english_refusals() if p in text]
        if english:
            problems.append(f"{where}: English refusal for a French user {english[:3]}")
    return problems


# --- which rows, as whom -----------------------------------------------------------------------


def _fuzzed(row: Row) -> bool:
    return not row.path.startswith(NOT_FUZZED_PREFIXES)


def role_for(row: Row) -> str:
    """The role the matrix lets in (a signed-in one first), else an advisor (refused: the
    refusal itself is fuzzed)."""
    for role in (*ROLES, ANON):
        if row.expected[role] < 400:
            return role
    return "advisor"


FUZZ_ROWS = [row for row in ROWS if _fuzzed(row)]


def test_every_route_is_fuzzed(app: Flask) -> None:
    """Every route of the url map (but the exemptions above) is reached by a fuzzed row."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNCHECKED_ENDPOINTS
        and rule.rule.split("/")[1] != SANDBOX_SEGMENT
        and not rule.rule.startswith(NOT_FUZZED_PREFIXES)
        for method in rule.methods - IMPLICIT_METHODS
    }
    fuzzed = {(_endpoint(app, row, row.path.format_map(_AnyId())), row.method)
              for row in FUZZ_ROWS}
    missing = sorted(routes - fuzzed)
    assert not missing, f"routes the fuzz does not reach: {missing}"
    endpoints = {endpoint for endpoint, _ in routes}
    listed = FORMLESS | GUARDED | set(EXPECTED_5XX) | OAUTH_REDIRECTS
    assert endpoints >= listed, f"lists name no route: {sorted(listed - endpoints)}"


def _endpoint(app: Flask, row: Row, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(path.split("?")[0], method=row.method)[0]
    except (NotFound, MethodNotAllowed):
        return ""


@pytest.mark.parametrize("row", FUZZ_ROWS, ids=[r.id for r in FUZZ_ROWS])
def test_fuzz(row: Row, app: Flask, client: Any, db_session: Any, factory: Any,
              monkeypatch: pytest.MonkeyPatch) -> None:
    branch = factory.branch("Fuzz branch")
    users = {role: factory.user(role, branch=branch, language="fr") for role in ROLES}
    setup_values = row.setup(db_session, factory, users) if row.setup else {}
    db_session.flush()
    path = row.path.format(**setup_values)
    role = role_for(row)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    _recording_app(app)
    endpoint = _endpoint(app, row, path)
    posted = {k: str(v).format(**setup_values) for k, v in row.data.items()}

    def send(values: dict[str, str]) -> Any:
        _act_as(app, client, users.get(role))
        base, _, query = path.partition("?")
        args = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
        if row.method == "GET":
            return client.open(base, method="GET", query_string={**args, **values})
        return client.open(base, method=row.method, query_string=args or None,
                           data={**posted, **values})

    with recording(monkeypatch):
        first = send({})
    names = set(_Reads.keys) | {n for fields in _Reads.forms.values() for n in fields}
    names -= {"csrf_token"}
    problems = check_answer(first, french=True, where=f"{row.id} as sent by the matrix",
                            endpoint=endpoint)
    if row.method != "GET" and endpoint and not names:
        assert endpoint in FORMLESS | GUARDED, (
            f"{row.id} ({endpoint}) reads no field: add it to FORMLESS if it is a button")
    if not names:
        names = {"q"}  # a stray query parameter must not matter either
    fields = sorted(names)
    if os.environ.get("FUZZ_VERBOSE"):
        print(row.id, endpoint, role, fields, sorted(_Reads.forms))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=(Phase.explicit, Phase.generate), print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: hostile for name in fields}))
    def fuzz(values: dict[str, str]) -> None:
        response = send(values)
        found = check_answer(response, french=True, where=f"{row.id} with {_short(values)}",
                             endpoint=endpoint)
        location = response.headers.get("Location", "")
        if not found and 300 <= response.status_code < 400 and location.startswith("/"):
            _act_as(app, client, users.get(role))
            found = check_answer(client.get(location), french=True,
                                 where=f"{location} after {row.id} with {_short(values)}")
        problems.extend(found)
        assert not found, found

    with contextlib.suppress(AssertionError):  # collected in problems, reported below
        fuzz()
    problems.extend(_sweep(app, client, row, role, users.get(role), setup_values))
    assert not problems, "\n".join(dict.fromkeys(problems))


def _short(values: dict[str, str]) -> str:
    return repr({k: (v if len(v) < 80 else f"{v[:40]}...({len(v)} chars)")
                 for k, v in values.items()})


def _sweep(app: Flask, client: Any, row: Row, role: str, user: Any,
           setup_values: dict[str, Any]) -> list[str]:
    """The pages of the same package the role can open: what was stored renders inert."""
    if row.method == "GET":
        return []
    package = row.path.split("/")[1]
    problems = []
    for page in ROWS:
        if page.method != "GET" or page.path.split("/")[1] != package:
            continue
        if page.expected[role] != 200 or page.path.endswith(("csv", "json", "jsonl")):
            continue
        try:
            target = page.path.format(**setup_values)
        except KeyError:
            continue
        _act_as(app, client, user)
        problems.extend(check_answer(client.get(target), french=True,
                                     where=f"{target} after fuzzing {row.id}"))
    return problems


def test_the_scan_sees_live_markup_and_english() -> None:
    """The checks themselves: a payload left live or an English refusal is found."""

    class Answer:
        status_code = 200
        mimetype = "text/html"
        headers: dict[str, str] = {}

        def __init__(self, html: str) -> None:
            self.html = html

        def get_data(self, as_text: bool) -> str:
            return self.html

    assert check_answer(Answer(f"<p>{PAYLOADS[0]}</p>"), french=False, where="x")
    assert check_answer(Answer("<p><script>fz(2)</script></p>"), french=False, where="x")
    assert check_answer(Answer('<a href="javascript:fz(4)">x</a>'), french=False, where="x")
    escaped = '<p>&lt;img src=x onerror="fz(1)" data-fz=1&gt;</p><input value="&lt;b&gt;">'
    assert not check_answer(Answer(escaped), french=False, where="x")
    english = '<div class="invalid-feedback">This field is required.</div>'
    assert check_answer(Answer(english), french=True, where="x")
    assert not check_answer(Answer(english), french=False, where="x")
    assert not check_answer(Answer('<p>This field is required.</p>'), french=True, where="x")
