"""WTForms' own messages (length, required) follow the reader's language (issue 14)."""

from __future__ import annotations

import html

import pytest

from tests.publishing.test_personalisation_guard import world  # noqa: F401 (fixture)


@pytest.mark.parametrize(("who", "message"), [
    ("advisor", "Field cannot be longer than 40 characters."),
    ("french", "Le champ ne peut pas contenir plus de 40 caractères."),
])
def test_length_error_in_the_readers_language(client, auth, world, who,  # noqa: F811
                                              message) -> None:
    user, template = world[who], world["template"]
    account = world["accounts"][user.id]
    auth.login(user)
    page = html.unescape(client.post(
        f"/publishing/compose?template_id={template.id}",
        data={"text": "Hello", "account_ids": [account.id], "client_first_name": "A" * 41,
              "when_mode": "now", "template_id": template.id}).get_data(as_text=True))
    assert message in page
    if who == "french":
        assert "longer than" not in page


def test_required_error_in_french(client, auth, world) -> None:  # noqa: F811
    auth.login(world["french"])
    page = html.unescape(client.post("/publishing/compose", data={
        "when_mode": "now"}).get_data(as_text=True))
    assert "This field is required" not in page
    assert "Ce champ est requis." in page or "Choisissez au moins un compte" in page


def test_policy_refusal_in_french_with_the_french_note(client, auth, world) -> None:  # noqa: F811
    user = world["french"]
    auth.login(user)
    page = html.unescape(client.post("/publishing/compose", data={
        "text": "Un rendement garanti pour tous", "account_ids": [world["accounts"][user.id].id],
        "when_mode": "now"}).get_data(as_text=True))
    assert "La politique de conformité bloque ce texte" in page
    assert "« rendement garanti » n'est pas autorisé dans une publication" in page
    assert "tout placement comporte un risque de perte" in page
    assert "is not allowed" not in page
