"""One list of languages (advisor_hub.i18n.LANGUAGES) behind every choice of language."""

from __future__ import annotations

from advisor_hub import i18n
from advisor_hub.accounts import forms as account_forms
from advisor_hub.accounts import services as accounts
from advisor_hub.cli import create_user
from approvals import forms as approval_forms
from approvals import rules
from content_library import forms as library_forms
from content_library import life_events
from content_library import services as library


def test_every_language_list_is_the_one_in_i18n() -> None:
    languages = list(i18n.LANGUAGES)
    assert list(i18n.LANGUAGE_NAMES) == languages == list(i18n.LANGUAGE_LABELS)
    assert list(accounts.LANGUAGES) == languages
    assert list(library.LANGUAGES) == list(life_events.LANGUAGES) == languages
    assert [code for code, _ in account_forms.LANGUAGE_CHOICES] == languages
    assert [code for code, _ in library_forms.LANGUAGE_CHOICES] == languages
    assert list(rules.LANGUAGES) == ["any", *languages]
    assert [code for code, _ in approval_forms.LANGUAGE_CHOICES] == ["any", *languages]
    option = next(p for p in create_user.params if p.name == "language")
    assert list(option.type.choices) == languages  # type: ignore[attr-defined]


def test_the_language_switch_offers_each_language_and_refuses_others(client) -> None:
    # Each page offers every language but its own.
    for current in i18n.LANGUAGE_NAMES:
        client.post("/language", data={"language": current, "next": "/login"})
        page = client.get("/login").get_data(as_text=True)
        for code, name in i18n.LANGUAGE_NAMES.items():
            button = (f'value="{code}" type="submit" lang="{code}" title="{name}">'
                      f'<span aria-hidden="true">{code.upper()}</span>'
                      f'<span class="visually-hidden">{name}</span></button>')
            assert (button in page) == (code != current)
    client.post("/language", data={"language": "en", "next": "/login"})
    client.post("/language", data={"language": "de", "next": "/login"})
    assert "Log in to Advisor Hub" in client.get("/login").get_data(as_text=True)
