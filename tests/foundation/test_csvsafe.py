"""CSV cells cannot be run as formulas (OWASP CSV injection), and our import undoes it."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor_hub.csvsafe import dict_writer, restore_cell, safe_cell, writer

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")",
            " =1+1", "\n=cmd|' /C calc'!A0", "-", "@BankFR thanks"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_get_a_quote(value):
    assert safe_cell(value) == "'" + value
    assert restore_cell(safe_cell(value)) == value


@pytest.mark.parametrize("value", ["Hello", "", "'quoted'", "a=b", "3 - 2", "l'épargne",
                                   "'", "€ 5", "#tag"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value
    assert restore_cell(value) == value


def test_numbers_and_none_are_not_strings():
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None


def test_a_quote_before_a_trigger_round_trips():
    assert safe_cell("'=x") == "''=x"
    assert restore_cell("''=x") == "'=x"


@given(st.text())
def test_restore_undoes_safe_cell(value):
    assert restore_cell(safe_cell(value)) == value
    cell = safe_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_writers_neutralise_every_cell_and_the_header():
    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(["=bad", 1, -2])
    w.writerows([["+x", "ok"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=bad", "1", "-2"],
                                                             ["'+x", "ok"]]
    out = io.StringIO()
    d = dict_writer(out, fieldnames=["=h", "b"], lineterminator="\n")
    d.writeheader()
    d.writerow({"=h": "@x", "b": "fine"})
    d.writerows([{"=h": "-y", "b": ""}])
    assert out.getvalue() == "'=h,b\n'@x,fine\n'-y,\n"
