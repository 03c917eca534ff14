"""The policy as compliance keeps it, under its historical import path.

The code lives in modules by job: ``lexicon_admin`` (versioned lexicon and link rules),
``screening`` (the compiled policy in force), ``disclosures`` and ``settings`` (reason codes,
the review target). This module re-exports their public names for the compliance screens and
the first migration (``STARTER_REASONS``); new code imports the modules themselves.
"""

from __future__ import annotations

from approvals.access import REVIEWERS
from approvals.disclosures import (
    NETWORKS,
    add_disclosure,
    apply_disclosures,
    disclosures_for,
    list_disclosures,
    remove_disclosure,
)
from approvals.lexicon_admin import (
    LANGUAGES,
    MAX_TERM,
    SEVERITIES,
    add_link_rule,
    add_term,
    current_terms,
    current_version,
    current_version_number,
    list_link_rules,
    list_versions,
    remove_link_rule,
    remove_term,
    search_terms,
    seed_starter_lexicon,
    terms_at,
    update_term,
    version_at,
)
from approvals.screening import (
    PolicyVersionCache,
    Screening,
    load_config,
    policy_cache,
    screen_text,
    screen_texts,
)
from approvals.settings import (
    STARTER_REASONS,
    add_reason_code,
    get_settings,
    list_reason_codes,
    reason_labels,
    seed_reason_codes,
    set_reason_code_active,
    update_reason_labels,
    update_settings,
)

__all__ = [
    "LANGUAGES", "MAX_TERM", "NETWORKS", "REVIEWERS", "SEVERITIES", "STARTER_REASONS",
    "PolicyVersionCache", "Screening", "add_disclosure", "add_link_rule", "add_reason_code",
    "add_term", "apply_disclosures", "current_terms", "current_version",
    "current_version_number", "disclosures_for", "get_settings", "list_disclosures",
    "list_link_rules", "list_reason_codes", "list_versions", "load_config", "policy_cache",
    "remove_disclosure", "remove_link_rule", "remove_term", "screen_text", "screen_texts",
    "search_terms", "seed_reason_codes", "seed_starter_lexicon", "set_reason_code_active",
    "reason_labels", "update_reason_labels",
    "terms_at", "update_settings", "update_term", "version_at",
]
