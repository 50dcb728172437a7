from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.tic_slt import parse


def cell(frame: pd.DataFrame, code: str, month: str, column: str) -> float:
    row = frame[(frame["country_code"] == code) & (frame["period_month"] == pd.Timestamp(month))]
    assert len(row) == 1
    return row[column].iloc[0]


def test_fixture_rows_kinds_and_blank_net_before_2023_02(fixture_mirror: Path) -> None:
    frame = parse((fixture_mirror / "tic" / "slt_table1.txt").read_bytes())

    assert cell(frame, "42609", "2023-03-01", "for_lt_treas_pos_usd_mn") == 1080000
    assert cell(frame, "41408", "2023-03-01", "for_lt_treas_net_usd_mn") == -10000
    assert pd.isna(cell(frame, "41408", "2023-01-01", "for_lt_treas_net_usd_mn"))
    kinds = frame.drop_duplicates("country_code").set_index("country_code")["row_kind"]
    assert kinds["99996"] == "grand_total"
    assert kinds["49999"] == kinds["69995"] == "region_total"
    assert kinds["41408"] == "country"


@pytest.mark.parametrize(
    ("mangle", "rule"),
    [
        (lambda t: t.replace("Millions of dollars", "Billions of dollars"), "units"),
        (lambda t: t.replace("for_lt_treas_net", "for_lt_treasury_net"), "columns"),
        (lambda t: t.replace("country\tcountry_code\tdate", "name\tcode\tdate"), "header"),
        (lambda t: t[: t.index("Definitions:")], "footer"),
        (lambda t: t.replace("2023-03", "March 2023", 1), "date"),
        (lambda t: t.replace("\t1080000\t", "\t1.08m\t", 1), "numeric_cell"),
        (lambda t: "<html><body>Error 503</body></html>", "not_html"),
        (lambda t: "", "not_empty"),
    ],
)
def test_malformed_files_name_the_rule(fixture_mirror: Path, mangle, rule: str) -> None:
    text = (fixture_mirror / "tic" / "slt_table1.txt").read_text()
    with pytest.raises(ParseError) as failure:
        parse(mangle(text).encode(), "slt_table1.txt")
    assert failure.value.rule == rule


def test_real_file(shared_sources: Path) -> None:
    frame = parse((shared_sources / "tic" / "slt_table1.txt").read_bytes())

    assert len(frame) == 8778
    assert frame["country_code"].nunique() == 114
    assert cell(frame, "41408", "2026-05-01", "for_lt_treas_pos_usd_mn") == 608486
    assert cell(frame, "41408", "2026-05-01", "for_lt_treas_net_usd_mn") == -129
    assert frame.loc[frame["period_month"] < "2023-02-01", "for_lt_treas_net_usd_mn"].isna().all()
