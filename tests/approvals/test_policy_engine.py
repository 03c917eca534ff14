"""Engine: findings, ordering, fail-closed behaviour and the per-version cache."""

import dataclasses
import threading
import time

import pytest

from approvals.policy import (
    STARTER_LEXICON,
    CompiledPolicy,
    Finding,
    LexiconTerm,
    LinkRules,
    PolicyCache,
    PolicyConfig,
    compile_policy,
    compiled_for,
    screen,
)
from approvals.policy import engine as engine_module


def config(version, *terms):
    return PolicyConfig(lexicon=terms or STARTER_LEXICON, links=LinkRules(), version=version)


class CountingLoader:
    def __init__(self, *terms):
        self.calls = 0
        self.terms = terms

    def __call__(self):
        self.calls += 1
        return config(self.calls, *self.terms)


def test_cache_rebuilds_only_when_version_changes():
    cache = PolicyCache()
    loader = CountingLoader()
    first = cache.get(1, loader)
    assert cache.get(1, loader) is first
    assert cache.get(1, loader) is first
    assert loader.calls == 1
    second = cache.get(2, loader)
    assert second is not first
    assert second.version == 2
    assert cache.get(2, loader) is second
    assert loader.calls == 2
    # Going back (e.g. a rollback of the lexicon) is a change too.
    assert cache.get(1, loader).version == 1
    assert loader.calls == 3


def test_cache_applies_a_lexicon_change():
    cache = PolicyCache()
    old = cache.get(1, lambda: config(1, LexiconTerm("alpha", severity="block")))
    new = cache.get(2, lambda: config(2, LexiconTerm("beta", severity="block")))
    assert [f.rule for f in old.screen("alpha beta")] == ["lexicon:alpha"]
    assert [f.rule for f in new.screen("alpha beta")] == ["lexicon:beta"]


def test_cache_keys_on_the_requested_version():
    cache = PolicyCache()
    loader = CountingLoader()  # returns configs numbered by call, not by the version asked
    assert cache.get(7, loader).version == 7
    cache.get(7, loader)
    assert loader.calls == 1


def test_cache_is_thread_safe():
    cache = PolicyCache()
    calls = []

    def slow_loader():
        calls.append(1)
        time.sleep(0.05)
        return config(3)

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(3, slow_loader)))
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1


def test_cache_clear():
    cache = PolicyCache()
    loader = CountingLoader()
    cache.get(1, loader)
    cache.clear()
    cache.get(1, loader)
    assert loader.calls == 2


def test_module_level_compiled_for(monkeypatch):
    monkeypatch.setattr(engine_module, "_default_cache", PolicyCache())
    loader = CountingLoader()
    policy = compiled_for(5, loader)
    assert isinstance(policy, CompiledPolicy)
    assert compiled_for(5, loader) is policy
    assert loader.calls == 1


def test_findings_sorted_by_start_and_overlaps_kept():
    policy = compile_policy(config(1))
    text = "Tél 06 12 34 56 78. Rendement garanti, sans risque: https://bit.ly/x garanti"
    findings = screen(text, policy)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert [f.rule for f in findings] == [
        "pii:phone",
        "lexicon:rendement garanti",
        "lexicon:garanti",
        "lexicon:sans risque",
        "link:shortened",
        "lexicon:garanti",
    ]


def test_method_and_function_agree():
    policy = compile_policy(config(1))
    text = "guaranteed returns, call 06 12 34 56 78"
    assert policy.screen(text, allowed_contacts={"0612345678"}) == screen(
        text, policy, allowed_contacts={"0612345678"}
    )


def test_finding_is_frozen_and_hashable():
    finding = Finding("pii:ssn", "block", 0, 11, "SSN ending in …%(last4)s", {"last4": "6789"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        finding.params["last4"] = "0000"  # type: ignore[index]
    assert finding.message == "SSN ending in …6789"
    assert hash(finding) == hash(
        Finding("pii:ssn", "block", 0, 11, "SSN ending in …%(last4)s", {"last4": "6789"})
    )
    assert finding.blocks


def test_every_message_id_renders_with_its_params():
    policy = compile_policy(PolicyConfig(STARTER_LEXICON, LinkRules(allow={"bank.fr"}), 1))
    text = (
        "garanti, rendement garanti, FR76 3000 6000 0112 3456 7890 189, 4111 1111 1111 1111, "
        "1 85 05 78 006 084 91, 123-45-6789, account 12345678, a@b.com, 06 12 34 56 78, "
        "https://x.org https://bit.ly/y"
    )
    rules = set()
    for f in screen(text, policy):
        assert "%(" not in f.message
        assert f.message_id % dict(f.params) == f.message
        rules.add(f.rule.split(":")[0] if f.rule.startswith("lexicon") else f.rule)
    assert rules == {
        "lexicon", "pii:iban", "pii:card", "pii:nir", "pii:ssn", "pii:account", "pii:email",
        "pii:phone", "link:not_allowed", "link:shortened",
    }


def test_empty_text():
    assert screen("", compile_policy(config(1))) == []


def test_a_crashing_detector_fails_closed(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(engine_module, "find_pii", boom)
    [finding] = screen("hello", compile_policy(config(1)))
    assert (finding.rule, finding.severity, finding.start, finding.end) == (
        "engine:error", "flag", 0, 5
    )


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 25000, "@" * 50000, ("a" * 63 + "@") * 800, "a/" * 25000, "www." * 12500,
        "e\u0301" * 25000, "ß" * 50000, "garanti " * 6000, "FR76 " * 10000, "http" * 12500,
    ],
    ids=["digits", "at", "local-parts", "slashes", "www", "marks", "eszett", "hits", "iban",
         "http"],
)
def test_pathological_texts_stay_linear(text):
    # Generous bound (shared CI machines); quadratic behaviour would take minutes here.
    started = time.perf_counter()
    screen(text, compile_policy(config(1)))
    assert time.perf_counter() - started < 5


def test_finding_round_trips_through_json():
    import json

    policy = compile_policy(config(1))
    for finding in screen("Rendement garanti, appelez le 06 12 34 56 78", policy):
        data = json.loads(json.dumps(finding.as_dict()))
        assert data["message"] == finding.message
        assert Finding.from_dict(data) == finding


def test_compiled_policy_is_immutable():
    policy = compile_policy(config(4))
    with pytest.raises(AttributeError):
        policy.version = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del policy.links
    assert policy.version == 4
    assert isinstance(policy.lexicon, tuple)
