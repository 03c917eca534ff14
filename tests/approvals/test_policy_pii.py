"""PII detectors: valid check digits block, invalid ones are not flagged."""

import pytest

from approvals.policy import PolicyConfig, compile_policy, iban_valid, luhn_valid, nir_valid, screen

POLICY = compile_policy(PolicyConfig(version=1))


def pii(text, **kwargs):
    return [
        (f.rule, text[f.start:f.end])
        for f in screen(text, POLICY, **kwargs)
        if f.rule.startswith("pii:")
    ]


def with_luhn(body: str) -> str:
    """Append the Luhn check digit to ``body``."""
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError


def nir(body: str) -> str:
    number = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(number) % 97:02d}"


# --- IBAN -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890189",
        "FR76 3000 6000 0112 3456 7890 189",
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "DE89 3704 0044 0532 0130 00",
        "BE68539007547034",
        "fr76 3000 6000 0112 3456 7890 189",
    ],
)
def test_valid_iban_blocks(iban):
    text = f"Virement sur {iban}, merci."
    assert pii(text) == [("pii:iban", iban)]
    [finding] = screen(text, POLICY)
    assert finding.severity == "block"
    compact = iban.replace(" ", "")
    assert finding.message.startswith(f"IBAN ending in …{compact[-4:]}")
    assert compact[:-4] not in finding.message


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890188",  # wrong check
        "FR77 3000 6000 0112 3456 7890 189",  # wrong check digits
        "GB82 WEST 1234 5698 7654 33",
        "DE89 3704 0044 0532 0130 01",
    ],
)
def test_invalid_iban_is_not_flagged(iban):
    assert pii(f"IBAN {iban}") == []


def test_iban_followed_by_a_word_is_cut_at_the_country_length():
    text = "IBAN FR76 3000 6000 0112 3456 7890 189 EURO"
    assert pii(text) == [("pii:iban", "FR76 3000 6000 0112 3456 7890 189")]


def test_iban_check_function():
    assert iban_valid("FR7630006000011234567890189")
    assert not iban_valid("FR763000600001123456789018")  # French IBANs are 27 long
    assert not iban_valid("XX")


# --- payment cards --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "3782 822463 10005",  # Amex, 15 digits
        "4222222222222",  # 13 digits
        with_luhn("622126000000000000"),  # 19 digits
    ],
)
def test_valid_card_blocks(card):
    text = f"My card: {card} ok"
    assert ("pii:card", card) in pii(text)
    finding = next(f for f in screen(text, POLICY) if f.rule == "pii:card")
    digits = card.replace(" ", "").replace("-", "")
    assert finding.message == f"Payment card number ending in …{digits[-4:]}"


@pytest.mark.parametrize(
    "card", ["4111111111111112", "4111 1111 1111 1112", "3782 822463 10006", "411111111111"]
)
def test_invalid_card_is_not_flagged(card):
    assert [r for r, _ in pii(f"card {card}")] == []


def test_card_inside_longer_number_is_not_flagged():
    assert [r for r, _ in pii("ref 94111111111111111 x")] == []


# --- French NIR -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        nir("1850578006084"),
        "1 85 05 78 006 084 91",
        "2 69 02 99 341 732 85",
        nir("185052A006084"),
        "1 85 05 2A 006 084 35",
        nir("285052B123456"),
    ],
)
def test_valid_nir_blocks(number):
    text = f"NIR : {number}."
    assert ("pii:nir", number) in pii(text)


@pytest.mark.parametrize(
    "number", ["1 85 05 78 006 084 92", "185057800608490", "1 85 05 2A 006 084 36"]
)
def test_invalid_nir_is_not_flagged(number):
    assert [r for r, _ in pii(f"NIR {number}") if r == "pii:nir"] == []


def test_nir_check_function_handles_corsica():
    assert nir_valid("185052A00608435")
    assert nir_valid(nir("185052B006084"))
    assert not nir_valid("185052C00608435")


# --- US SSN ---------------------------------------------------------------------------------


def test_valid_ssn_blocks():
    text = "SSN 123-45-6789."
    assert pii(text) == [("pii:ssn", "123-45-6789")]
    [finding] = screen(text, POLICY)
    assert finding.message == "US Social Security number ending in …6789"


@pytest.mark.parametrize(
    "ssn", ["000-45-6789", "666-45-6789", "900-45-6789", "999-45-6789", "123-00-6789",
            "123-45-0000", "1123-45-6789", "123-45-67890"]
)
def test_invalid_ssn_is_not_flagged(ssn):
    assert [r for r, _ in pii(f"SSN {ssn}")] == []


# --- account numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("account 12345678", "12345678"),
        ("Account number: 12345678", "12345678"),
        ("acct #12345678", "12345678"),
        ("compte n° 00012345678", "00012345678"),
        ("N° de compte : 0001 2345 678", "0001 2345 678"),
        ("numéro de compte 12345678", "12345678"),
        ("COMPTE 12345678", "12345678"),
    ],
)
def test_account_number_after_keyword_blocks(text, number):
    assert pii(text) == [("pii:account", number)]
    [finding] = screen(text, POLICY)
    assert finding.message == f"Account number ending in …{number.replace(' ', '')[-4:]}"


@pytest.mark.parametrize(
    "text",
    ["account 2024", "12345678 accounts", "our 12345678 clients", "prendre en compte 12 000 €",
     "account managers since 1998"],
)
def test_numbers_without_account_keyword_are_not_flagged(text):
    assert [r for r, _ in pii(text) if r == "pii:account"] == []


# --- e-mail and phone -----------------------------------------------------------------------


def test_email_blocks_without_echoing_the_address():
    text = "Write to jean.dupont+x@client-mail.fr today"
    assert pii(text) == [("pii:email", "jean.dupont+x@client-mail.fr")]
    [finding] = screen(text, POLICY)
    assert "jean.dupont" not in finding.message
    assert "client-mail.fr" in finding.message


def test_own_email_is_allowed():
    text = "Contact me: Advisor@Bank.fr or other@bank.fr"
    assert pii(text, allowed_contacts={"advisor@bank.fr"}) == [("pii:email", "other@bank.fr")]


@pytest.mark.parametrize("text", ["@mention only", "a @ b", "x@y", "me@localhost"])
def test_not_emails(text):
    assert pii(text) == []


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+1 415 555 0100",
        "+44 20 7946 0958",
        "0033 6 12 34 56 78",
    ],
)
def test_third_party_phone_blocks(phone):
    text = f"Call {phone} now"
    assert pii(text) == [("pii:phone", phone)]
    [finding] = screen(text, POLICY)
    assert phone.replace(" ", "")[:-2] not in finding.message.replace(" ", "")


def test_own_phone_is_allowed_in_any_format():
    text = "Mon numéro : +33 6 12 34 56 78, ou 06 98 76 54 32"
    assert pii(text, allowed_contacts={"06 12 34 56 78", "me@bank.fr"}) == [
        ("pii:phone", "06 98 76 54 32")
    ]


@pytest.mark.parametrize("text", ["in 2024 we", "12 34 56", "0 12 34 56 78", "€ 1 250 000"])
def test_not_phones(text):
    assert [r for r, _ in pii(text) if r == "pii:phone"] == []


def test_several_pii_in_one_text_sorted():
    text = (
        "IBAN FR76 3000 6000 0112 3456 7890 189, carte 4111 1111 1111 1111, "
        "tél 06 12 34 56 78, mail a@b.com, SSN 123-45-6789"
    )
    rules = [f.rule for f in screen(text, POLICY)]
    assert rules == ["pii:iban", "pii:card", "pii:phone", "pii:email", "pii:ssn"]
    assert all(f.severity == "block" for f in screen(text, POLICY))
