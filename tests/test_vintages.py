"""A new file against the last published vintage of its source: what is lost, moved or
rescaled is rejected, a small revision passes, a large one passes only when forced with a
reason, which is kept beside the vintage."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import ValidationFailed
from treasury_warehouse.ingest.pipeline import ingest
from treasury_warehouse.ingest.quality import run_gate

FDHBFIN = "DATE,VALUE\r\n2016-04-01,6279.1\r\n2016-07-01,6154.9\r\n2016-10-01,6003.9\r\n"
IIPUSNETIQ = "DATE,IIPUSNETIQ\n2021-10-01,-18124000\n2022-01-01,-17745551\n2022-04-01,-16309277\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    mirror = tmp_path / "mirror" / "niip"
    mirror.mkdir(parents=True)
    (mirror / "FDHBFIN.csv").write_text(FDHBFIN)
    (mirror / "IIPUSNETIQ.csv").write_text(IIPUSNETIQ)
    return dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=str(mirror.parent))


def reissue(settings: Settings, name: str, text: str) -> None:
    Path(str(settings.source_mirror), "niip", name).write_text(text)


def published(settings: Settings, name: str) -> list[Path]:
    return sorted((settings.published_dir / name).glob("*.parquet"))


@pytest.mark.parametrize(
    ("mutated", "table", "named"),
    [
        # cut at a line boundary: the last quarter is gone
        (FDHBFIN.rsplit("2016-10-01", 1)[0], "periods_vs_published", "'observation_date': '2016-10-01'"),
        # cut inside the last number
        (FDHBFIN.replace("6003.9", "60"), "revisions_vs_published", "'published': 6003.9, 'new': 60.0"),
        # one value moved by 10%
        (FDHBFIN.replace("6154.9", "6770.4"), "revisions_vs_published", "'observation_date': '2016-07-01'"),
    ],
    ids=["truncated_at_line", "truncated_in_number", "value_moved"],
)
def test_a_file_that_loses_or_moves_published_values_is_rejected(
    settings: Settings, mutated: str, table: str, named: str
) -> None:
    ingest("fred_fdhbfin", settings)
    first = published(settings, "fred_fdhbfin")
    reissue(settings, "FDHBFIN.csv", mutated)

    with pytest.raises(ValidationFailed) as failure:
        ingest("fred_fdhbfin", settings)

    message = str(failure.value)
    assert "[fred_fdhbfin] FDHBFIN.csv" in message
    assert "rule 'vintage_comparison' failed" in message
    assert table in message, message
    assert named in message, message
    assert "run again with force and a reason" in message
    assert published(settings, "fred_fdhbfin") == first


def test_a_small_genuine_revision_and_a_new_quarter_are_accepted(settings: Settings) -> None:
    ingest("fred_fdhbfin", settings)
    reissue(settings, "FDHBFIN.csv", FDHBFIN.replace("6003.9", "6002.8") + "2017-01-01,6006.3\r\n")

    ingest("fred_fdhbfin", settings)

    assert len(published(settings, "fred_fdhbfin")) == 2


def test_new_periods_in_another_scale_are_rejected(settings: Settings) -> None:
    ingest("fred_iipusnetiq", settings)
    reissue(settings, "IIPUSNETIQ.csv", IIPUSNETIQ + "2022-07-01,-16124\n")  # $bn where $mn was

    with pytest.raises(ValidationFailed, match="scale_vs_published"):
        ingest("fred_iipusnetiq", settings)


def test_a_large_revision_passes_when_forced_with_a_reason_that_is_recorded(settings: Settings) -> None:
    ingest("fred_iipusnetiq", settings)
    revised = IIPUSNETIQ.replace("-18124000", "-15357982")  # an annual update: -15% on one quarter
    reissue(settings, "IIPUSNETIQ.csv", revised)
    with pytest.raises(ValidationFailed, match=r"'published': -18124000\.0, 'new': -15357982\.0"):
        ingest("fred_iipusnetiq", settings)

    result = ingest("fred_iipusnetiq", settings, force_reason="BEA annual update, June 2026")

    note = json.loads(Path(str(result["published"])).with_suffix(".forced.json").read_text())
    assert note["reason"] == "BEA annual update, June 2026"
    assert any("revisions_vs_published" in line for line in note["comparison"])
    assert len(published(settings, "fred_iipusnetiq")) == 2


def test_the_comparison_is_with_the_newest_published_vintage(settings: Settings) -> None:
    ingest("fred_fdhbfin", settings)
    reissue(settings, "FDHBFIN.csv", FDHBFIN + "2017-01-01,6006.3\r\n")
    ingest("fred_fdhbfin", settings)
    # Dropping the quarter the newest vintage added is a loss, though the first never had it.
    reissue(settings, "FDHBFIN.csv", FDHBFIN.replace("6003.9", "6003.8"))

    with pytest.raises(ValidationFailed, match="'observation_date': '2017-01-01'"):
        ingest("fred_fdhbfin", settings)


def test_cli_force_needs_a_reason(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from treasury_warehouse.__main__ import main

    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SOURCE_MIRROR", str(settings.source_mirror))
    assert main(["ingest", "fred_fdhbfin", "--force"]) == 2
    assert "--force needs --reason" in capsys.readouterr().err
    shutil.rmtree(settings.data_dir, ignore_errors=True)


def test_a_moving_window_may_drop_old_days_but_a_cut_file_may_not(tmp_path: Path) -> None:
    from treasury_warehouse.ingest.sources import SOURCES
    from treasury_warehouse.ingest.vintages import checks

    source = SOURCES["fiscal_debt_penny"]
    days = pd.bdate_range("2020-03-09", "2025-03-06")
    published = pd.DataFrame(
        {"record_date": days, "held_by_public_usd_mn": 1.0, "intragovernmental_usd_mn": 1.0, "total_usd_mn": 2.0}
    )
    moved = pd.concat([published.iloc[1:], published.iloc[[-1]].assign(record_date=pd.Timestamp("2025-03-07"))])
    cut = published.iloc[: len(published) // 2]

    def failed(new: pd.DataFrame) -> list[str]:
        gate = run_gate(source.name, source.file_name, checks(source, new, published), None)
        return [f.table for f in gate.failures]

    assert failed(moved) == []
    assert failed(cut) == ["periods_vs_published"]


def _gate_failures(source, checks) -> set[tuple]:
    gate = run_gate(source.name, source.file_name, checks, None)
    return {
        (f.table, f.expectation, f.unexpected_count, frozenset(json.dumps(r, sort_keys=True) for r in f.rows))
        for f in gate.failures
    }


def _votes_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    published = pd.DataFrame(
        [(rcid, country, "yes" if (rcid + ord(country)) % 3 else "no") for rcid in range(1, 7) for country in "ABCE"],
        columns=["rcid", "country_name", "vote"],
    ).astype({"rcid": "string"})
    new = published[published["country_name"] != "E"].copy()  # a series gone
    new = new[~((new["rcid"] == "2") & (new["country_name"] == "B"))]  # a row gone
    new.loc[(new["rcid"] == "3") & (new["country_name"] == "C"), "vote"] = "abstain"  # a value moved
    new.loc[(new["rcid"] == "4") & (new["country_name"] == "A"), "vote"] = None  # a value gone
    new = pd.concat([new, pd.DataFrame({"rcid": ["7"], "country_name": ["D"], "vote": ["yes"]})])  # new rows
    return published.astype({"vote": "category"}), new.astype({"vote": "category"})


def _numbers_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    published = pd.DataFrame(
        [(s, p, 100.0 * (i + 1) + j) for i, s in enumerate(["x", "y", "z"]) for j, p in enumerate(range(2001, 2006))],
        columns=["series", "period", "value"],
    )
    new = published[published["period"] != 2003].copy()  # a period gone in every series
    new.loc[(new["series"] == "y") & (new["period"] == 2004), "value"] += 0.05  # within 0.1
    new.loc[(new["series"] == "z") & (new["period"] == 2005), "value"] *= 1.5  # moved
    return published, new


@pytest.mark.parametrize(
    ("pair", "compare"),
    [
        (_votes_pair, None),
        (_numbers_pair, ("series", "period", "value")),
    ],
    ids=["text_values", "numeric_values"],
)
def test_the_comparison_in_duckdb_fails_exactly_as_the_one_in_pandas(tmp_path: Path, pair, compare) -> None:
    """Large files are compared by DuckDB (only failing rows leave the database); the gate
    must fail the same checks on the same rows either way, and pass the same files."""
    from treasury_warehouse.ingest.sources import SOURCES, Comparison
    from treasury_warehouse.ingest.vintages import checks, checks_in_database

    source = SOURCES["un_votes"]
    if compare:
        series, period, value = compare
        spec = Comparison((series,), period, (value,), relative=0.001, absolute=0.1, levels=False)
        source = dataclasses.replace(source, compare=spec)
    published, new = pair()
    old_path, new_path = tmp_path / "old.parquet", tmp_path / "new.parquet"
    published.to_parquet(old_path, index=False)
    new.to_parquet(new_path, index=False)

    in_pandas = _gate_failures(source, checks(source, new, published))
    in_duckdb = _gate_failures(source, checks_in_database(source, new_path, old_path, tmp_path / "work"))

    assert in_duckdb == in_pandas
    tables = {failure[0] for failure in in_pandas}
    assert tables == (
        {"series_vs_published", "periods_vs_published", "revisions_vs_published"}
        if not compare
        else {"periods_vs_published", "revisions_vs_published"}
    ), in_pandas
    same = checks_in_database(source, old_path, old_path, tmp_path / "work")
    assert _gate_failures(source, same) == set() == _gate_failures(source, checks(source, published, published))


def test_the_comparison_in_duckdb_reads_row_by_row_only_the_periods_that_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A period whose rows and hashes agree in both files is skipped; one vote moved in
    one roll call (same rows, same countries) still fails, with its row named."""
    from treasury_warehouse.ingest.sources import SOURCES
    from treasury_warehouse.ingest.vintages import checks_in_database

    source = SOURCES["un_votes"]
    published, _ = _votes_pair()
    new = published.astype({"vote": "string"})
    new.loc[(new["rcid"] == "3") & (new["country_name"] == "C"), "vote"] = "abstain"
    old_path, new_path = tmp_path / "old.parquet", tmp_path / "new.parquet"
    published.to_parquet(old_path, index=False)
    new.to_parquet(new_path, index=False)

    with caplog.at_level("INFO", logger="treasury_warehouse.ingest.vintages"):
        failures = _gate_failures(source, checks_in_database(source, new_path, old_path, tmp_path / "work"))

    assert "un_votes: 1 of 6 published periods differ in the new file" in caplog.text
    assert [(table, count) for table, _, count, _ in failures] == [("revisions_vs_published", 1)]
    (rows,) = [rows for *_, rows in failures]
    assert [json.loads(row) for row in rows] == [
        {"column": "vote", "rcid": "3", "country_name": "C", "published": "yes", "new": "abstain", "within": False}
    ], rows


def test_a_large_file_is_compared_in_duckdb_by_the_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from treasury_warehouse.ingest import vintages

    mirror = tmp_path / "mirror" / "unvotes" / "unvotes_r_package"
    mirror.mkdir(parents=True)
    countries = [("United States", "US"), ("X", "XX")]
    votes = "rcid,country,country_code,vote\n" + "".join(
        f"{rcid},{country},{code},yes\n" for rcid in range(1, 4) for country, code in countries
    )
    (mirror / "un_votes.rda").write_text(votes)
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=tmp_path / "data", source_mirror=str(tmp_path / "mirror")
    )
    ingest("un_votes", settings)
    monkeypatch.setattr(vintages, "IN_DATABASE_ROWS", 0)
    calls = []
    original = vintages.checks_in_database
    monkeypatch.setattr(vintages, "checks_in_database", lambda *a: calls.append(a) or original(*a))
    (mirror / "un_votes.rda").write_text(votes.replace("2,X,XX,yes", "2,X,XX,no"))

    with pytest.raises(ValidationFailed) as failure:
        ingest("un_votes", settings)

    assert len(calls) == 1
    assert "revisions_vs_published" in str(failure.value)
    assert "'published': 'yes', 'new': 'no'" in str(failure.value), failure.value
    assert not (settings.data_dir / "tmp" / "compare-un_votes").exists()
