"""The benchmark's own logic: scaled vote tables, figures and the derived ratios."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from tools import bench
from treasury_warehouse.config import Settings
from treasury_warehouse.ingest.pipeline import ingest

FIXTURE_MIRROR = Path(__file__).resolve().parent / "fixtures" / "mirror"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench")
    settings = dataclasses.replace(Settings.from_env(), data_dir=root, source_mirror=str(FIXTURE_MIRROR))
    for name in ("un_votes", "un_roll_calls"):
        ingest(name, settings)
    return settings.published_dir


def test_scaled_votes_keep_the_real_rows_and_add_synthetic_roll_calls(published: Path, tmp_path: Path) -> None:
    bench._scaled_tables(published, tmp_path / "scaled", 4)

    def table(source: str, root: Path) -> str:
        return f"read_parquet('{root / source}/*.parquet')"

    with duckdb.connect() as con:
        real = con.execute(f"select count(*), count(distinct rcid) from {table('un_votes', published)}").fetchone()
        scaled = con.execute(
            f"select count(*), count(distinct rcid) from {table('un_votes', tmp_path / 'scaled')}"
        ).fetchone()
        calls = con.execute(f"select count(*) from {table('un_roll_calls', tmp_path / 'scaled')}").fetchone()[0]
        real_calls = con.execute(f"select count(*) from {table('un_roll_calls', published)}").fetchone()[0]
        unchanged = con.execute(
            f"select count(*) from ({'select * from ' + table('un_votes', published)} "
            f"except select * from {table('un_votes', tmp_path / 'scaled')})"
        ).fetchone()[0]
        votes = {
            v for (v,) in con.execute(f"select distinct vote from {table('un_votes', tmp_path / 'scaled')}").fetchall()
        }
        codes_agree = con.execute(
            f"select bool_and(vote_code = case vote when 'yes' then 1 when 'abstain' then 2 else 3 end) "
            f"from {table('un_votes', tmp_path / 'scaled')}"
        ).fetchone()[0]

    assert scaled == (4 * real[0], 4 * real[1])
    assert calls == 4 * real_calls
    assert unchanged == 0  # replica 0 is the real data, row for row
    assert votes <= {"yes", "abstain", "no"}
    assert codes_agree
    assert (tmp_path / "scaled" / "un_votes").is_dir()


def test_figures_are_median_min_max_and_the_ratios_are_derived() -> None:
    samples = [bench.Sample(10, 8, 100), bench.Sample(12, 9, 300), bench.Sample(30, 20, 200)]
    figures = bench.summarise(samples)
    assert figures["wall_s"] == {"median": 12, "min": 10, "max": 30}
    assert figures["peak_mb"]["median"] == 200
    assert figures["runs"] == 3

    report = {
        "full_airflow": bench.summarise([bench.Sample(60, 50, 1000)]),
        "nochange_airflow": bench.summarise([bench.Sample(6, 5, 500)]),
        "one_source_airflow": bench.summarise([bench.Sample(15, 14, 800)]),
        "setup_airflow": bench.summarise([bench.Sample(3, 3, 200)]),
        "one_source_dags": {"ingest_tic_mfh": 3.9, "build_warehouse": 10.9},
        "direct": bench.summarise([bench.Sample(48, 45, 1000)]),
    }
    derived = bench.derive(report)
    assert derived["set-up alone (no ingest DAG) / full run"] == "5%"
    assert derived["one-source night, each DAG's own seconds (median)"] == "ingest_tic_mfh 3.9, build_warehouse 10.9"
    assert derived["no-change run / full run"].startswith("10%")
    assert derived["one-source run / full run"] == "25% (target <= 25%)"
    assert derived["orchestration overhead (Airflow / direct)"].startswith("1.25x")
    assert "full nightly run under Airflow, from empty | 60.0 [60.0-60.0]" in bench.table(report)
    assert "| 1 | <= 60 s |" in bench.table(report)  # each figure beside its target


def test_each_dag_run_s_seconds_are_read_from_the_lines_airflow_run_prints() -> None:
    from treasury_warehouse.orchestration.runner import Outcome, summary_line

    lines = [
        summary_line(o)
        for o in (
            Outcome("ingest_tic_mfh", "ok", 3.94, Path("x.log")),
            Outcome("ingest_ewn", "unchanged (already published; nothing to do)", 0.21, Path("x.log")),
            Outcome("build_warehouse", "ok", 10.86, Path("x.log")),
        )
    ]
    output = "\n".join([*lines, "report_warehouse: not triggered (the published warehouse has its report)"])
    assert bench.dag_seconds(output) == {"ingest_tic_mfh": 3.9, "ingest_ewn": 0.2, "build_warehouse": 10.9}


def test_a_failing_step_stops_the_benchmark(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="exited 3"):
        bench.run_measured(["sh", "-c", "echo broken; exit 3"], {}, tmp_path / "fail.log")


def test_the_one_source_night_is_one_accepted_release_of_tic_major_holders(
    shared_sources: Path, tmp_path: Path
) -> None:
    """The benchmark's one-source night must publish: the revised file passes the gate and
    the comparison with the real release, and no other file of the mirror differs."""
    revised = bench.revised_mirror(str(shared_sources), tmp_path / "revised")
    changed = [
        path.relative_to(revised)
        for path in revised.rglob("*")
        if path.is_file() and path.read_bytes() != (shared_sources / path.relative_to(revised)).read_bytes()
    ]
    assert changed == [Path("tic/mfhhis01.txt")]
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=str(shared_sources))
    ingest("tic_mfh", settings)
    published = ingest("tic_mfh", dataclasses.replace(settings, source_mirror=str(revised)))
    assert published["compared_with"]
    assert not published.get("forced_reason")
    assert len(list((settings.published_dir / "tic_mfh").glob("*.parquet"))) == 2
