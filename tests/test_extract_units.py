"""Amounts in 元 tables, full-width digits and thousands separators read to the same 万元."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jixiao.extract import extract
from jixiao.readers import parse_text

CLEAN = Path(__file__).resolve().parents[1] / "examples" / "clean_2024_示例区文化馆.txt"


def funds_of(text: str):
    f = extract(parse_text(text, "x.txt")).funds
    return f.initial_budget.value, f.full_year_budget.value, f.executed.value


def test_yuan_header_converts_bare_amounts_to_wanyuan():
    text = CLEAN.read_text("utf-8")
    base = funds_of(text)
    assert base == (Decimal("256.00"), Decimal("262.50"), Decimal("254.10"))
    yuan = (text.replace("\t年度预算申请（万元）", "\t年度预算申请（元）")
                .replace("\t256.00\n", "\t2,560,000\n").replace("\t262.50\n", "\t2625000.00\n")
                .replace("\t254.10\n", "\t2541000\n"))
    assert yuan != text
    got = funds_of(yuan)
    assert got == base
    assert extract(parse_text(yuan, "x.txt")).funds.initial_budget.raw == "2,560,000"


def test_fullwidth_digits_read_as_ascii():
    text = CLEAN.read_text("utf-8").replace("\t262.50\n", "\t２６２．５０\n")
    assert funds_of(text)[1] == Decimal("262.50")


def test_mixed_units_keep_wanyuan():
    # a header naming both 万元 and 元 is ambiguous: amounts stay as written (万元, the forms' unit)
    text = CLEAN.read_text("utf-8").replace("\t年度预算申请（万元）", "\t年度预算申请（万元）（人均：元）")
    assert funds_of(text)[0] == Decimal("256.00")
