"""Every registered source: its fixture and its real file pass its gate, and the bad
inputs every publisher can serve (duplicate rows, an HTML page) are stopped."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import NOT_IN_CORPUS

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.quality import run_gate
from treasury_warehouse.ingest.sources import SOURCES, Source

VINTAGE = pd.Timestamp("2026-01-01")
# Keyed APIs have no file in the real corpus; their fixture answers are tested.
FILE_SOURCES = [source for source in SOURCES.values() if not source.api_key_env]


def parsed(source: Source, path: Path) -> pd.DataFrame:
    frame = source.parse(path.read_bytes(), Path(source.file_name).name)
    if "vintage" not in frame.columns:
        frame["vintage"] = VINTAGE
    return frame


def failures(source: Source, frame: pd.DataFrame, tmp_path: Path) -> list[str]:
    result = run_gate(source.name, source.file_name, source.checks(frame), tmp_path / "quality")
    return [f.describe() for f in result.failures]


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_fixture_passes(source: Source, fixture_mirror: Path, tmp_path: Path) -> None:
    frame = parsed(source, fixture_mirror / source.publisher / source.file_name)
    assert failures(source, frame, tmp_path) == []


REAL_FILE_SOURCES = [s for s in FILE_SOURCES if s.name not in NOT_IN_CORPUS]


@pytest.mark.parametrize("source", REAL_FILE_SOURCES, ids=[s.name for s in REAL_FILE_SOURCES])
def test_real_file_passes(source: Source, shared_sources: Path, tmp_path: Path) -> None:
    frame = parsed(source, shared_sources / source.publisher / source.file_name)
    assert failures(source, frame, tmp_path) == []


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_duplicate_rows_fail(source: Source, fixture_mirror: Path, tmp_path: Path) -> None:
    frame = parsed(source, fixture_mirror / source.publisher / source.file_name)
    doubled = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)

    # The vote tables check their key as a table of repeated keys (suites.common.duplicate_keys).
    found = failures(source, doubled, tmp_path)
    assert any("unique" in failure or failure.startswith("duplicate_keys:") for failure in found), found


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_html_error_page_is_refused(source: Source) -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body></body></html>"
    with pytest.raises(ParseError) as failure:
        source.parse(page, Path(source.file_name).name)
    assert failure.value.rule == "not_html"
    assert Path(source.file_name).name in str(failure.value)


def test_slt_regions_that_stop_adding_up_fail(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["tic_slt"]
    frame = parsed(source, fixture_mirror / "tic" / "slt_table1.txt")
    frame.loc[
        (frame["country_code"] == "49999") & (frame["period_month"] == "2023-02-01"), "for_lt_treas_pos_usd_mn"
    ] += 100

    found = failures(source, frame, tmp_path)
    assert any("regions_minus_all_countries_usd_mn" in f and "2023-02-01" in f for f in found)


def test_bea_identity_and_missing_anchor_fail(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["bea_iip_table"]
    frame = parsed(source, fixture_mirror / "niip" / source.file_name)
    frame.loc[(frame["table_line"] == 4) & (frame["period_end"] == "2022-12-31"), "value_usd_mn"] += 1000

    found = failures(source, frame, tmp_path)
    # Line 4 is both a sum (lines 5 + 6) and a part (of line 1): both identities fail.
    assert any("subtotals" in f and "'table_line': 4" in f for f in found)
    assert any("subtotals" in f and "'table_line': 1" in f for f in found)
    found = failures(source, frame[frame["table_line"] != 36], tmp_path)
    assert any("'anchor': '36'" in f for f in found)


def test_bea_component_line_that_disappears_fails(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["bea_iip_table"]
    frame = parsed(source, fixture_mirror / "niip" / source.file_name)

    found = failures(source, frame[frame["table_line"] != 47], tmp_path)
    assert any("subtotals" in f and "'table_line': 45" in f for f in found)


def test_slt_country_row_identities_and_regions(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["tic_slt"]
    frame = parsed(source, fixture_mirror / "tic" / "slt_table1.txt")
    germany = (frame["country_code"] == "11002") & (frame["period_month"] == "2023-03-01")
    frame.loc[germany, "for_lt_eqty_pos_usd_mn"] += 10  # classes no longer add up to the total
    frame.loc[(frame["country_code"] == "42609"), "for_lt_treas_pos_usd_mn"] *= 10  # Japan above Total Asia

    found = failures(source, frame, tmp_path)
    assert any("classes" in f and "'country': 'Germany'" in f and "2023-03-01" in f for f in found)
    assert any("regions" in f and "'region_code': '49999'" in f for f in found)


def test_shl_row_identities_with_listed_publisher_differences(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["tic_shl"]
    frame = parsed(source, fixture_mirror / "tic" / source.file_name)
    row = frame[(frame["maturity"] == "long_term") & (frame["asset_class"] == "treasury")].index[0]
    frame.loc[row, "holdings_usd_mn"] += 50

    found = failures(source, frame, tmp_path)
    assert any("long_term_debt_difference_usd_mn" in f for f in found)


def test_fred_bounds_follow_each_series_unit(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["fred_fdhbfin"]
    frame = parsed(source, fixture_mirror / "niip" / "FDHBFIN.csv")
    assert failures(source, frame, tmp_path) == []
    # $bn multiplied by 1000 is still far inside a bound for $mn series, not inside FDHBFIN's.
    assert any("max_value=50000" in f for f in failures(source, frame.assign(value=frame["value"] * 1000), tmp_path))
    negative = frame.assign(value=-frame["value"])
    assert any("min_value=0" in f for f in failures(source, negative, tmp_path))


def test_gold_negative_only_where_listed(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["imf_gold"]
    frame = parsed(source, fixture_mirror / "gold" / source.file_name)
    frame.loc[frame.index[0], "gold_fine_troy_oz"] = -1000.0

    assert any("min_value=0" in f for f in failures(source, frame, tmp_path))


def test_vote_unit_or_code_switch_fails(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["un_votes_voeten"]
    frame = parsed(source, fixture_mirror / "unvotes" / source.file_name)
    frame.loc[0, "vote"] = "present"

    assert any("expect_column_values_to_be_in_set(column='vote'" in f for f in failures(source, frame, tmp_path))


def test_gold_in_grams_fails_the_range(fixture_mirror: Path, tmp_path: Path) -> None:
    source = SOURCES["imf_gold"]
    frame = parsed(source, fixture_mirror / "gold" / source.file_name)
    frame["gold_fine_troy_oz"] *= 31.1035  # ounces to grams

    assert any("gold_fine_troy_oz" in f for f in failures(source, frame, tmp_path))


def test_duplicate_keys_lists_each_repeated_key_once_with_its_count() -> None:
    from treasury_warehouse.ingest.suites.common import duplicate_keys

    frame = pd.DataFrame(
        {
            "rcid": pd.Categorical(["1", "1", "1", "2", "2", None, None]),
            "country": ["A", "A", "A", "A", "B", "A", "B"],
        }
    )
    check = duplicate_keys(frame, ["rcid", "country"])
    assert check.frame.to_dict("records") == [{"rcid": "1", "country": "A", "rows": 3}]
    assert duplicate_keys(frame.iloc[3:], ["rcid", "country"]).frame.empty


def test_a_gate_run_again_in_its_project_runs_the_suite_in_code_and_no_stale_definition(
    fixture_mirror: Path, tmp_path: Path
) -> None:
    """Each night gates a source twice in its project (the suite, then the comparison with
    the last vintage, in DuckDB for a large file), each night in a new process; the next
    night's gate finds both runs' stored definitions, and must neither load nor run them."""
    import subprocess
    import sys

    source = SOURCES["un_votes"]
    frame = parsed(source, fixture_mirror / source.publisher / source.file_name)
    served = tmp_path / "mirror" / source.publisher / source.file_name
    served.parent.mkdir(parents=True)
    layout = frame.rename(columns={"country_name": "country"})[["rcid", "country", "country_code", "vote"]]
    layout.to_csv(served, index=False)
    first_release = served.read_bytes()
    script = (
        "from treasury_warehouse.config import Settings; from treasury_warehouse.ingest import pipeline, vintages; "
        "vintages.IN_DATABASE_ROWS = 0; print(pipeline.ingest('un_votes', Settings.from_env()))"
    )
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "WAREHOUSE_PATH": str(tmp_path / "data" / "warehouse.duckdb"),
        "SOURCE_MIRROR": str(tmp_path / "mirror"),
    }

    def night(release: bytes) -> subprocess.CompletedProcess:
        served.write_bytes(release)
        return subprocess.run([sys.executable, "-c", script, "x"], env=env, capture_output=True, text=True)

    assert night(first_release).returncode == 0
    next_roll_call = layout[layout["rcid"] == layout["rcid"].iloc[0]].assign(rcid="9999999")
    second = night(first_release + next_roll_call.to_csv(index=False, header=False).encode())
    assert second.returncode == 0, second.stderr[-2000:]
    assert "compared_with" in second.stdout
    # GX prints any stored definition it can no longer load (and loaded every one per check).
    assert "Skipping Bad Configs" not in second.stdout + second.stderr
    # The suite in code runs on a third release, its new roll call voted twice by one member.
    repeated = next_roll_call.to_csv(index=False, header=False) + next_roll_call.iloc[:1].to_csv(
        index=False, header=False
    )
    third = night(first_release + repeated.encode())
    assert third.returncode != 0
    assert "duplicate_keys" in third.stderr, third.stderr[-2000:]
    assert "Skipping Bad Configs" not in third.stdout + third.stderr
