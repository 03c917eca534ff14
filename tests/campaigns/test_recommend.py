"""Recommendations: the documented score on fixed data, its explanations, and what the
queries feed it (colleagues of the same branch, what the advisor posted already)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale

from advisor_hub.campaigns.recommend import Candidate, rank, score, suggestions_for
from content_library import services as library

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def c(version_id: int, **kwargs) -> Candidate:
    values = {"title": f"Post {version_id}", "language": "fr", "for_branch": False,
              "approved_at": NOW - timedelta(days=60), "expires_at": None, **kwargs}
    return Candidate(version_id=version_id, **values)


FIXED = [
    c(1),                                                    # 1 + 2 = 3
    c(2, approved_at=NOW - timedelta(days=2)),               # 3 + 2 (new this week) = 5
    c(3, colleagues=6),                                      # 3 + 3 = 6
    c(4, colleagues=20),                                     # capped at 6 colleagues: 6
    c(5, posted=True, approved_at=NOW - timedelta(days=1)),  # 1 - 4 + 2 = -1
    c(6, language="en"),                                     # -3 + 2 = -1
    c(7, for_branch=True, approved_at=NOW - timedelta(days=20)),  # 3 + 1 + 1 + 2 = 7
    c(8, expires_at=NOW + timedelta(days=3)),                # 3 + 1.5 = 4.5
    c(9, tags=("wedding",)),                                 # 3 + 2.5 (pending) = 5.5
]


def test_the_ranking_on_fixed_data() -> None:
    ranked = rank(FIXED, language="fr", city="Lyon", now=NOW, life_events={"wedding"},
                  limit=9)
    assert [(s.version_id, s.score) for s in ranked] == [
        (7, 7.0), (4, 6.0), (3, 6.0), (9, 5.5), (2, 5.0), (8, 4.5), (1, 3.0), (5, -1.0),
        (6, -1.0)]
    # Ties: the newest approval first (5 before 6), then the highest id (4 before 3).
    assert rank(FIXED, language="fr", city="Lyon", now=NOW, limit=3)[0].version_id == 7


def test_each_suggestion_explains_itself_in_one_line() -> None:
    with_events = {"wedding"}
    explain = {s.version_id: s for s in (score(x, language="fr", city="Lyon", now=NOW,
                                               life_events=with_events) for x in FIXED)}
    assert explain[2].explanation == "new this week"
    assert explain[3].explanation == "used by 6 colleagues in Lyon"
    assert explain[4].explanation == "used by 20 colleagues in Lyon"
    assert explain[7].explanation == "written for your branch"
    assert explain[8].explanation == "available until 2026-05-07"
    assert explain[9].explanation == "for a life event you have pending"
    assert explain[1].explanation == "you have not posted it yet"


def test_explanations_in_french(app) -> None:
    with app.app_context(), force_locale("fr"):
        suggestion = score(c(3, colleagues=6), language="fr", city="Lyon", now=NOW)
        assert suggestion.explanation == "utilisé par 6 collègues à Lyon"
        assert score(c(2, approved_at=NOW), language="fr", city="", now=NOW
                     ).explanation == "nouveau cette semaine"


def test_the_same_input_gives_the_same_ranking() -> None:
    first = rank(FIXED, language="fr", city="Lyon", now=NOW, limit=9)
    assert rank(list(reversed(FIXED)), language="fr", city="Lyon", now=NOW, limit=9) == first


def test_suggestions_read_colleagues_and_own_posts(db_session, bank, ctx) -> None:
    alice = bank.advisor(bank.lyon)
    colleagues = [bank.advisor(bank.lyon) for _ in range(5)]
    elsewhere = bank.advisor(bank.paris)
    popular = bank.version("Popular in Lyon")
    plain = bank.version("Plain")
    mine = bank.version("Already mine")
    now = datetime.now(UTC)
    for user in [*colleagues, elsewhere]:
        library.record_use(db_session, version_id=popular.id, template_id=None,
                           advisor_id=user.id, network="linkedin", published_at=now,
                           post_url=None)
    from advisor_hub.publishing import services as publishing

    publishing.compose_library_post(db_session, author=alice, version_id=mine.id,
                                    account_ids=[a.id for a in bank.accounts.values()
                                                 if a.user_id == alice.id],
                                    scheduled_at=now + timedelta(days=1), now=now)
    ranked = suggestions_for(db_session, alice, now=now, limit=3)
    assert [s.title for s in ranked] == ["Popular in Lyon", "Plain", "Already mine"]
    assert ranked[0].explanation == "used by 5 colleagues in Lyon"  # not the Paris one
    assert plain.id == ranked[1].version_id
