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
from treasury_warehouse.pipeline import ingest
from treasury_warehouse.quality import run_gate

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
    from treasury_warehouse.sources import SOURCES
    from treasury_warehouse.vintages import checks

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
