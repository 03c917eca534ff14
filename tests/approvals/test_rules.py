"""The policy kept in the database: versioned lexicon, link rules, disclosures, the cache."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from advisor_hub.audit.services import trail_for
from advisor_hub.errors import PermissionDenied, ValidationError
from approvals import rules, screening
from approvals.services import apply_disclosures, disclosures_for, screen_text


@pytest.fixture
def reviewer(factory):
    return factory.user("compliance")


def test_starter_lexicon_is_version_one(db_session: Session) -> None:
    assert rules.list_versions(db_session)[-1].id == 1
    terms = {t.term for t in rules.terms_at(db_session, 1)}
    assert {"guaranteed returns", "rendement garanti", "risk-free", "sans risque"} <= terms
    screening = screen_text(db_session, "Un RENDEMENT GARANTÍ, risk-free!")
    assert screening.blocked and screening.lexicon_version >= 1
    assert {f.rule for f in screening.findings} >= {"lexicon:rendement garanti",
                                                    "lexicon:risk-free"}
    assert not screen_text(db_session, "A brisk-freeze morning").findings


def test_every_change_makes_a_version_and_history_shows_each(db_session, reviewer) -> None:
    start = rules.current_version_number(db_session)
    entry = rules.add_term(db_session, actor=reviewer, term="Jackpot", severity="flag",
                           note="Gambling vocabulary")
    v_added = rules.current_version_number(db_session)
    changed = rules.update_term(db_session, actor=reviewer, term_id=entry.id,
                                severity="block", note="Gambling vocabulary")
    v_changed = rules.current_version_number(db_session)
    rules.remove_term(db_session, actor=reviewer, term_id=changed.id)
    v_removed = rules.current_version_number(db_session)
    assert (v_added, v_changed, v_removed) == (start + 1, start + 2, start + 3)

    def severity_at(version):
        return {t.term: t.severity for t in rules.terms_at(db_session, version)}.get("Jackpot")

    assert severity_at(start) is None
    assert severity_at(v_added) == "flag"
    assert severity_at(v_changed) == "block"
    assert severity_at(v_removed) is None
    latest = rules.list_versions(db_session)[0]
    assert latest.created_by_id == reviewer.id and "Jackpot" in latest.summary
    assert trail_for(db_session, latest)[0].actor_id == reviewer.id


def test_bad_terms_change_nothing(db_session, reviewer, factory) -> None:
    before = rules.current_version_number(db_session)
    for term in ("", "   ", "<b></b>", "<script></script>"):
        with pytest.raises(ValidationError):
            rules.add_term(db_session, actor=reviewer, term=term)
    with pytest.raises(ValidationError):
        rules.add_term(db_session, actor=reviewer, term="GUARANTEED   Returns", language="en")
    with pytest.raises(PermissionDenied):
        rules.add_term(db_session, actor=factory.user("advisor"), term="anything")
    assert rules.current_version_number(db_session) == before


def test_link_rules(db_session, reviewer) -> None:
    rules.add_link_rule(db_session, actor=reviewer, domain="https://www.Casino.example/x",
                        kind="deny")
    with pytest.raises(ValidationError):
        rules.add_link_rule(db_session, actor=reviewer, domain="casino.example", kind="allow")
    with pytest.raises(ValidationError):
        rules.add_link_rule(db_session, actor=reviewer, domain="not a domain", kind="deny")
    screening = screen_text(db_session, "See www.casino.example/offer",
                            link_url="https://casino.example")
    assert screening.blocked
    assert [f.rule for f in screening.findings] == ["link:denied_domain"]
    assert [f.rule for f in screening.link_findings] == ["link:denied_domain"]
    rules.add_link_rule(db_session, actor=reviewer, domain="bank.example", kind="allow")
    flagged = screen_text(db_session, "Read https://news.other.example/a")
    assert [f.rule for f in flagged.findings] == ["link:not_allowed"]
    assert not screen_text(db_session, "Read https://www.bank.example/a").findings


def test_disclosures(db_session, reviewer) -> None:
    rules.add_disclosure(db_session, actor=reviewer, text="Investing carries risks.",
                         network=None, category=None)
    rules.add_disclosure(db_session, actor=reviewer, text="#PUB", network=None,
                         category="promotion")
    rules.add_disclosure(db_session, actor=reviewer, text="#ad", network="x", category=None)
    with pytest.raises(ValidationError):
        rules.add_disclosure(db_session, actor=reviewer, text="<p></p>", network=None,
                             category=None)
    assert disclosures_for(db_session, network="linkedin", category=None) == [
        "Investing carries risks."]
    assert disclosures_for(db_session, network="x", category="promotion") == [
        "Investing carries risks.", "#PUB", "#ad"]
    text = apply_disclosures("Hello", ["Investing carries risks.", "#PUB"])
    assert text == "Hello\n\nInvesting carries risks.\n\n#PUB"
    assert apply_disclosures(text, ["#PUB"]) == text  # never doubled


def test_the_cache_follows_the_version(db_session, reviewer) -> None:
    first = rules.policy_cache.get(db_session)
    assert rules.policy_cache.get(db_session) is first  # no rebuild without a change
    rules.add_term(db_session, actor=reviewer, term="moonshot", severity="block")
    second = rules.policy_cache.get(db_session)
    assert second is not first and second.version == first.version + 1


def test_reason_codes_and_settings(db_session, reviewer) -> None:
    codes = {r.code for r in rules.list_reason_codes(db_session)}
    assert {"misleading", "promise", "other"} <= codes
    reason = rules.add_reason_code(db_session, actor=reviewer, code="Bad Tone", label="Tone",
                                   label_fr="Ton")
    assert reason.code == "bad_tone"
    with pytest.raises(ValidationError):
        rules.add_reason_code(db_session, actor=reviewer, code="bad_tone", label="Again",
                              label_fr="Encore")
    rules.set_reason_code_active(db_session, actor=reviewer, reason_id=reason.id, active=False)
    assert "bad_tone" not in {r.code for r in rules.list_reason_codes(db_session)}
    with pytest.raises(ValidationError):
        rules.update_settings(db_session, actor=reviewer, sla_minutes=0,
                              sla_business_hours=True)
    settings = rules.update_settings(db_session, actor=reviewer, sla_minutes=120,
                                     sla_business_hours=False)
    assert (settings.sla_minutes, settings.sla_business_hours) == (120, False)


@pytest.mark.both_backends
def test_a_change_reaches_another_process_without_restart(fresh_database_url: str) -> None:
    """Two processes, each with its own compiled-policy cache, on one database."""
    from sqlalchemy.orm import sessionmaker

    from advisor_hub.accounts import services as accounts
    from advisor_hub.db import make_engine

    engine_a, engine_b = make_engine(fresh_database_url), make_engine(fresh_database_url)
    cache_a, cache_b = screening.PolicyVersionCache(), screening.PolicyVersionCache()
    try:
        with sessionmaker(bind=engine_a)() as a:
            before = cache_a.get(a).screen("a moonshot")
            assert before == []
            a.commit()
        with sessionmaker(bind=engine_b)() as b:
            editor = accounts.create_user(b, actor=None, email="ed@example.com",
                                          first_name="Ed", last_name="It",
                                          password="correct-horse-battery",
                                          roles=("compliance",))
            rules.add_term(b, actor=editor, term="moonshot", severity="block")
            b.commit()
            assert cache_b.get(b).screen("a moonshot")
        with sessionmaker(bind=engine_a)() as a:
            assert [f.rule for f in cache_a.get(a).screen("a MOONSHOT")] == ["lexicon:moonshot"]
    finally:
        engine_a.dispose()
        engine_b.dispose()
