"""A life-event message never publishes unreviewed text (issue 11, point 1), through the real
approvals and content_library packages: the client's first name is a short plain name,
checked by the library when it renders (whatever the entry point: form or query string), and
the personalised text is screened even when unedited; any finding sends it to review."""

from __future__ import annotations

import html
import unicodedata
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from advisor_hub.accounts.models import User
from advisor_hub.networks import TokenCipher
from advisor_hub.publishing import composer
from advisor_hub.publishing.linking import link_account
from advisor_hub.publishing.models import LinkedAccount, Post, PostState, PublicationTarget
from approvals import rules
from approvals import services as approvals
from approvals.errors import NeedsReview
from approvals.models import ReviewRequest, Verdict
from content_library import life_events
from content_library.errors import RenderError
from tests.publishing.conftest import KEY, oauth_link

EXPLOIT = "Bob: crypto tip, buy now at https://evil.example"


@pytest.fixture
def world(app: Any, db_session: Any, factory: Any, sandbox: Any) -> dict[str, Any]:
    # The app registers the review kinds (advisor_hub.features).
    curator, reviewer = factory.user("marketing"), factory.user("compliance")
    advisor = factory.user("advisor", branch=factory.branch(city="Lyon"), first_name="Alice")
    french = factory.user("advisor", branch=factory.branch(city="Lyon"), first_name="Chloé",
                          language="fr")
    wedding = next(t for t in life_events.list_event_types(db_session) if t.key == "wedding")
    template = life_events.create_template(
        db_session, actor=curator, type_id=wedding.id, language="en",
        text="Congratulations on your wedding, {client_first_name}! {advisor_first_name}")
    life_events.submit_template(db_session, actor=curator, template_id=template.id)
    approvals.decide(db_session, review_id=template.review_id, actor=reviewer,
                     decision=Verdict.APPROVE)
    accounts = {}
    for user, login in ((advisor, "alice"), (french, "chloe")):
        profile, tokens = oauth_link(sandbox.url, login)
        account = link_account(db_session, user=user, network="sandbox",
                               account=profile.accounts[0], tokens=tokens,
                               cipher=TokenCipher(KEY))
        approvals.decide(db_session, review_id=account.review_id, actor=reviewer,
                         decision=Verdict.APPROVE)
        accounts[user.id] = account
    db_session.flush()
    return {"advisor": advisor, "french": french, "reviewer": reviewer,
            "template": template, "accounts": accounts}


def _compose(session: Any, advisor: User, account: LinkedAccount, template_id: int,
             name: str) -> Post:
    source = composer.load_source(session, advisor=advisor, template_id=template_id,
                                  client_first_name=name)
    return composer.compose_post(session, author=advisor, body=source.text, link_url=None,
                                 account_ids=[account.id], publish_now=True, when_local=None,
                                 template_id=template_id, client_first_name=name)


def _counts(session: Any) -> tuple[int, int, int]:
    return (session.scalar(select(func.count(Post.id))),
            session.scalar(select(func.count(PublicationTarget.id))),
            session.scalar(select(func.count(ReviewRequest.id))))


@pytest.mark.parametrize(("who", "message"), [
    ("advisor", "The client's first name must be a plain name"),
    ("french", "Le prénom du client doit être un nom simple"),
])
def test_the_exploit_url_is_refused_and_nothing_is_created(client, auth, db_session, world,
                                                          who, message) -> None:
    user, template = world[who], world["template"]
    account = world["accounts"][user.id]
    before = _counts(db_session)
    auth.login(user)
    # The name never travels in the URL (issue 14, point 11): a query string is ignored.
    url = (f"/publishing/compose?template_id={template.id}"
           f"&client_first_name={quote(EXPLOIT)}")
    assert "evil.example" not in html.unescape(client.get(url).get_data(as_text=True))
    compose = f"/publishing/compose?template_id={template.id}"
    page = html.unescape(client.post(compose, data={
        "prefill": "1", "client_first_name": EXPLOIT}).get_data(as_text=True))
    assert message in page
    body = f"Congratulations on your wedding, {EXPLOIT}! {user.first_name}"
    response = client.post(compose, data={"text": body, "account_ids": [account.id],
                                          "client_first_name": EXPLOIT, "when_mode": "now",
                                          "template_id": template.id})
    assert response.status_code == 200  # the form again (the field's own length limit)
    db_session.expire_all()
    assert _counts(db_session) == before
    assert "evil.example" not in client.get("/publishing/posts").get_data(as_text=True)


@pytest.mark.parametrize("name", ["Zoë", "Jean-Luc", "O'Brien", "Łucja", "李", "Zoe\u0308",
                                  "Anne Marie", "D’Arcy"])
def test_a_plain_name_of_any_script_is_published_at_once(db_session, world, name) -> None:
    advisor = world["advisor"]
    post = _compose(db_session, advisor, world["accounts"][advisor.id],
                    world["template"].id, name)
    assert post.state == PostState.SCHEDULED
    expected = unicodedata.normalize("NFC", name)  # "Zoe" + combining diaeresis → "Zoë"
    assert f", {expected}!" in post.text


@pytest.mark.parametrize("name", [
    EXPLOIT, "Bob2", "https://evil.example", "<b>Bob</b>", "Bob\x00", "Bo\u200bb",
    "\u202eboB", "Bob\nBuy now", "-Bob", "A" * 41, "bob@evil.example", "Bob & co",
])
def test_anything_but_a_plain_name_is_refused_by_the_service(db_session, world, name) -> None:
    advisor = world["advisor"]
    before = _counts(db_session)
    with pytest.raises(RenderError) as refused:
        _compose(db_session, advisor, world["accounts"][advisor.id], world["template"].id,
                 name)
    assert refused.value.field == "client_first_name"
    assert _counts(db_session) == before


def test_the_form_cannot_exceed_the_limit(client, auth, db_session, world) -> None:
    advisor, template = world["advisor"], world["template"]
    account = world["accounts"][advisor.id]
    auth.login(advisor)
    for name, created in (("A" * 41, False), ("A" * 40, True)):
        before = _counts(db_session)[0]
        url = f"/publishing/compose?template_id={template.id}"
        client.post(url, data={
            "text": f"Congratulations on your wedding, {name}! Alice",
            "client_first_name": name, "account_ids": [account.id], "when_mode": "now",
            "template_id": template.id})
        db_session.expire_all()
        assert (_counts(db_session)[0] == before + 1) is created


@pytest.mark.parametrize("severity", ["flag", "block"])
def test_a_name_matching_a_lexicon_term_goes_to_review(db_session, world, severity) -> None:
    advisor, reviewer = world["advisor"], world["reviewer"]
    rules.add_term(db_session, actor=reviewer, term="Fortune", severity=severity)
    post = _compose(db_session, advisor, world["accounts"][advisor.id],
                    world["template"].id, "Fortune")
    assert post.state == PostState.PENDING_REVIEW
    assert post.targets == []
    review = db_session.get(ReviewRequest, post.review_id)
    assert review.findings_count >= 1 and "Fortune" in review.text


def test_approvals_refuse_to_rest_an_approval_with_findings_on_the_library(db_session,
                                                                         world) -> None:
    """The guard holds in approvals too, whichever caller asks for an at-once approval."""
    advisor, reviewer, template = world["advisor"], world["reviewer"], world["template"]
    rules.add_term(db_session, actor=reviewer, term="Fortune")
    with pytest.raises(NeedsReview):
        approvals.approve_from_library(
            db_session, kind="post", subject_id=999, author=advisor,
            content=approvals.ReviewContent("Congratulations on your wedding, Fortune!"),
            basis_review_id=template.review_id)
