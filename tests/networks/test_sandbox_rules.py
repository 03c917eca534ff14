"""The Sandbox plays each network rule the portal must survive (issue 13), as the adapters
and the advice see it: a retired version (426), X credits used up (402), refused app
credentials, an invalidated token, a quota (429) and a reused refresh token."""

from __future__ import annotations

import pytest
import requests

from advisor_hub.connectors.advice import Problem, diagnose
from advisor_hub.networks import NetworkError, ReauthNeeded
from tests.networks.test_sandbox_network import link, make_adapter


@pytest.fixture
def sandbox():
    from advisor_hub.sandbox import SandboxServer

    with SandboxServer({"ENABLE_CONTROL": True}) as server:
        yield server


def _publish_error(adapter, tokens) -> NetworkError:
    with pytest.raises(NetworkError) as raised:
        adapter.publish(tokens, "sb-alice", "Hello", None, "key-1")
    return raised.value


def test_a_retired_version_is_answered_426_until_the_version_changes(sandbox) -> None:
    requests.post(f"{sandbox.url}/_control/config", json={"retired_versions": ["202411"]},
                  timeout=5).raise_for_status()
    old = make_adapter(sandbox.url, api_version="202411")
    tokens = link(old)
    error = _publish_error(old, tokens)
    assert error.status == 426 and diagnose(error, "sandbox") is Problem.VERSION_RETIRED
    assert sandbox.state.stats()["posts"] == 0
    new = make_adapter(sandbox.url, api_version="202608")
    assert new.publish(tokens, old.fetch_profile(tokens).external_id, "Hello", None, "key-2")


@pytest.mark.parametrize(("kind", "problem"), [
    ("credits_exhausted", Problem.CREDITS_EXHAUSTED),
    ("client_refused", Problem.APP_CREDENTIALS),
    ("token_invalidated", Problem.TOKEN_REVOKED),
    ("rate_limit", Problem.RATE_LIMITED),
])
def test_each_fault_reads_as_its_problem(sandbox, kind, problem) -> None:
    adapter = make_adapter(sandbox.url)
    tokens = link(adapter)
    sandbox.state.add_fault("publish", kind)
    assert diagnose(_publish_error(adapter, tokens), "sandbox") is problem


def test_a_reused_refresh_token_means_relink(sandbox) -> None:
    adapter = make_adapter(sandbox.url)
    tokens = link(adapter)
    adapter.refresh(tokens)
    with pytest.raises(ReauthNeeded) as refused:
        adapter.refresh(tokens)  # single use: the second time is refused
    assert diagnose(refused.value, "sandbox").action == "relink"
