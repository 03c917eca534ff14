"""The per-network preview (composer and review page) and the policy findings shown while
the advisor types."""

from __future__ import annotations

import pytest

from advisor_hub.networks.preview import FOLDS, fold_text, preview, previews
from advisor_hub.publishing.models import LinkedAccount

LONG = ("Préparer sa retraite commence tôt. " * 12).strip()
LINK = "https://bank.example/retirement/planning-guide-2026"


def test_linkedin_folds_after_three_lines_or_210_characters() -> None:
    shown = preview("linkedin", LONG)
    assert shown.folded and len(shown.visible) <= FOLDS["linkedin"].chars
    assert LONG.startswith(shown.visible) and not shown.visible.endswith(" ")
    lines = preview("linkedin", "one\ntwo\nthree\nfour")
    assert lines.folded and lines.visible == "one\ntwo\nthree"
    assert not preview("linkedin", "Short and whole.").folded


def test_facebook_folds_later_and_x_not_at_all() -> None:
    assert not preview("facebook", LONG[:400]).folded
    assert preview("facebook", LONG + " " + LONG).folded
    tweet = preview("x", "Plan early. " * 5)
    assert not tweet.folded and tweet.visible == tweet.text


def test_x_counts_a_url_as_23_and_keeps_it_in_the_text() -> None:
    shown = preview("x", "Read this:", LINK)
    assert shown.text == f"Read this:\n\n{LINK}" and shown.count == len("Read this:\n\n") + 23
    assert shown.link_url is None  # in the text, not a separate card


def test_linkedin_shows_the_link_as_a_card_unless_there_is_an_image() -> None:
    card = preview("linkedin", "Read this", LINK)
    assert card.link_url == LINK and card.link_host == "bank.example" and LINK not in card.text
    with_image = preview("linkedin", "Read this", LINK, with_media=True)
    assert with_image.link_url is None and LINK in with_image.text and with_image.with_media


def test_previews_follow_the_product_order_and_skip_unknown_networks() -> None:
    assert [p.network for p in previews(["x", "linkedin", "myspace"], "Hi")] == ["linkedin", "x"]


def test_fold_keeps_whole_words() -> None:
    shown, folded = fold_text("word " * 100, FOLDS["linkedin"])
    assert folded and shown.endswith("word")


@pytest.fixture
def advisor(factory, db_session):
    user = factory.user("advisor", branch=factory.branch())
    for n, network in enumerate(("linkedin", "x")):
        db_session.add(LinkedAccount(user_id=user.id, network=network, external_id=f"e{n}",
                                     display_name="Me", status="active"))
    db_session.flush()
    return user


def test_the_preview_endpoint_gives_fold_and_link_card(client, auth, advisor, db_session):
    auth.login(advisor)
    ids = [a.id for a in db_session.query(LinkedAccount).filter_by(user_id=advisor.id)]
    response = client.get("/publishing/compose/preview", query_string={
        "text": LONG, "link_url": LINK, "account_id": ids})
    items = {i["network"]: i for i in response.get_json()}
    assert items["linkedin"]["folded"] and items["linkedin"]["link_url"] == LINK
    assert items["linkedin"]["visible"] and items["linkedin"]["link_host"] == "bank.example"
    assert items["x"]["link_url"] is None and not items["x"]["fits"]


@pytest.mark.parametrize("language,advice", [
    ("en", "A return cannot be promised"), ("fr", None)])
def test_the_policy_screens_while_typing(client, auth, factory, language, advice) -> None:
    auth.login(factory.user("advisor", language=language))
    result = client.get("/publishing/compose/screen",
                        query_string={"text": "Our fund: guaranteed returns for all!"}).get_json()
    assert result["blocked"] is True
    (finding,) = [f for f in result["findings"] if f["excerpt"] == "guaranteed returns"]
    assert finding["blocks"] and finding["message"]
    if advice:
        assert advice in finding["advice"]
    clean = client.get("/publishing/compose/screen",
                       query_string={"text": "Come and see us this week."}).get_json()
    assert clean == {"blocked": False, "findings": []}


def test_the_review_page_shows_the_post_on_each_network(client, auth, factory, db_session):
    from approvals import services as approvals
    from approvals.models import ReviewRequest

    author = factory.user("advisor", branch=factory.branch())
    reviewer = factory.user("compliance")
    review = ReviewRequest(kind="post", subject_id=1, author_id=author.id, status="pending",
                           text=LONG, link_url=LINK, networks=["linkedin", "x"],
                           content_hash="c" * 64, lexicon_version=1)
    db_session.add(review)
    db_session.flush()
    assert approvals  # the package is loaded: its review page renders the previews
    auth.login(reviewer)
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert 'data-testid="network-previews"' in page
    assert 'data-network="linkedin" data-folded="1"' in page
    assert "…see more" in page and "bank.example" in page
