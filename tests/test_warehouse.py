"""Warehouse build and publication, without Airflow: dbt into a new file, audit, swap."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from treasury_warehouse import warehouse
from treasury_warehouse.config import Settings
from treasury_warehouse.pipeline import ingest
from treasury_warehouse.sources import SOURCES

FIXTURE_MIRROR = Path(__file__).resolve().parent / "fixtures" / "mirror"


@pytest.fixture
def settings(tmp_path: Path, fixture_mirror: Path) -> Settings:
    base = Settings.from_env()
    return dataclasses.replace(
        base,
        data_dir=tmp_path / "data",
        warehouse_path=tmp_path / "data" / "warehouse.duckdb",
        source_mirror=str(fixture_mirror),
        keep_builds=2,
    )


@pytest.fixture(scope="module")
def published_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every file source of the fixture mirror, landed, gated and published once."""
    root = tmp_path_factory.mktemp("published")
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=root, source_mirror=str(FIXTURE_MIRROR), warehouse_path=root / "w.duckdb"
    )
    for source in SOURCES.values():
        if not source.api_key_env:
            ingest(source.name, settings)
    return settings.published_dir


@pytest.fixture
def ingested(settings: Settings, published_fixtures: Path) -> Settings:
    shutil.copytree(published_fixtures, settings.published_dir)
    return settings


def build_and_publish(settings: Settings) -> Path:
    build_path = warehouse.accept(warehouse.build(settings))
    warehouse.publish(settings, build_path)
    return build_path


def mart_value(path: Path, holder: str, month: str) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select holdings_usd_bn from marts.fct_treasury_holdings_monthly"
            " where holder_name = ? and period_month = ?",
            [holder, month],
        ).fetchone()[0]


def test_build_publishes_an_audited_standalone_file(ingested: Settings) -> None:
    build_path = build_and_publish(ingested)

    assert os.path.samefile(build_path, ingested.warehouse_path)
    assert mart_value(ingested.warehouse_path, "Japan", "2011-06-01") == 881.5  # primary series only
    marts = {mart.name: mart for mart in warehouse.audit(ingested.warehouse_path)}
    assert marts["fct_treasury_holdings_monthly"].latest_month == "2012-12-01"
    assert {"dim_country", "dim_bloc_membership", "fct_bloc_flows", "fct_treasury_exposure"} <= set(marts)
    # dbt's docs page and per-node results are published with the build.
    assert "fct_treasury_exposure" in warehouse.docs_path(ingested).read_text()
    nodes = warehouse.node_results(build_path)
    assert {n.status for n in nodes} <= {"success", "pass"}
    assert "model.treasury_warehouse.fct_bloc_flows" in {n.unique_id for n in nodes}
    exported = warehouse.export_marts(ingested, build_path)
    assert {path.stem for path in exported} == set(marts)
    for path in exported:
        assert len(pd.read_parquet(path)) == marts[path.stem].rows, path
    # The file stands alone: no view reads the Parquet area.
    for parquet in ingested.published_dir.rglob("*.parquet"):
        parquet.unlink()
    assert mart_value(ingested.warehouse_path, "China, Mainland", "2012-12-01") == 1202.5


def test_failed_build_leaves_the_published_warehouse(ingested: Settings) -> None:
    first = build_and_publish(ingested)
    for parquet in ingested.published_dir.rglob("*.parquet"):
        parquet.write_bytes(b"PAR1 not really parquet")  # dbt cannot read it: the build must fail

    with pytest.raises(warehouse.BuildFailed, match="dbt build"):
        warehouse.build(ingested)

    assert os.path.samefile(first, ingested.warehouse_path)
    assert warehouse.builds(ingested) == [first]


def test_a_build_failing_the_audit_is_never_kept_or_rolled_back_to(ingested: Settings) -> None:
    first = build_and_publish(ingested)
    candidate = warehouse.build(ingested)
    with duckdb.connect(str(candidate)) as con:
        con.execute("delete from marts.fct_niip")  # an empty mart fails the audit
    with pytest.raises(warehouse.BuildFailed, match="mart_not_empty"):
        warehouse.accept(candidate)

    assert not candidate.exists()
    assert warehouse.builds(ingested) == [first]
    third = build_and_publish(ingested)
    assert warehouse.rollback(ingested) == first
    assert third.stat().st_mode & 0o222 == 0  # kept builds are read-only


def test_an_older_build_never_replaces_a_newer_one(ingested: Settings) -> None:
    older = warehouse.accept(warehouse.build(ingested))
    newer = build_and_publish(ingested)

    with pytest.raises(warehouse.BuildFailed, match="newest_wins"):
        warehouse.publish(ingested, older)
    assert os.path.samefile(newer, ingested.warehouse_path)


def test_nothing_published_is_refused(settings: Settings) -> None:
    with pytest.raises(warehouse.BuildFailed, match="no source has been published"):
        warehouse.build(settings)
    assert warehouse.builds(settings) == []


def test_rollback_and_pruning_of_old_builds(ingested: Settings) -> None:
    first = build_and_publish(ingested)
    second = build_and_publish(ingested)
    third = build_and_publish(ingested)

    assert warehouse.builds(ingested) == [second, third]  # keep_builds=2
    assert warehouse.rollback(ingested) == second
    assert warehouse.published_build(ingested) == second
    assert not first.exists()
    assert not warehouse.sidecar(first, "docs").exists()
    assert not warehouse.sidecar(first, "run_results").exists()
    with pytest.raises(warehouse.BuildFailed, match="no earlier build"):
        warehouse.rollback(ingested)


def test_reader_in_another_process_neither_blocks_nor_sees_half_a_build(ingested: Settings) -> None:
    build_and_publish(ingested)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time, duckdb
                con = duckdb.connect({str(ingested.warehouse_path)!r}, read_only=True)
                print("connected", flush=True)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    n = con.execute("select count(*) from marts.fct_treasury_holdings_monthly").fetchone()[0]
                    assert n > 0
                    if sys.stdin.readline().strip() == "stop":
                        break
                print("reads ok", flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "connected"
        started = time.monotonic()
        new_build = build_and_publish(ingested)  # runs while the reader holds the file open
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert os.path.samefile(new_build, ingested.warehouse_path)
        assert time.monotonic() - started < 120
        reader.stdin.write("stop\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "reads ok"
        assert reader.wait(timeout=30) == 0
    finally:
        reader.kill()


def marts_content(path: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        frames = {name: con.execute(f'select * from marts."{name}"').df() for name in names}
    return {name: frame.sort_values(list(frame.columns)).reset_index(drop=True) for name, frame in frames.items()}


def test_a_rebuild_from_the_same_inputs_is_identical(ingested: Settings) -> None:
    first = marts_content(build_and_publish(ingested))
    second = marts_content(build_and_publish(ingested))

    assert set(first) == set(second)
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, second[name], obj=name)
        assert not frame.duplicated().any(), name


def test_a_second_build_waits_for_the_running_one(ingested: Settings, caplog: pytest.LogCaptureFixture) -> None:
    ingested.builds_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, sys, time
                with open({str(ingested.builds_dir / ".build.lock")!r}, "a+") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    print("locked", flush=True)
                    time.sleep(3)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with caplog.at_level("WARNING", logger="treasury_warehouse.warehouse"):
            candidate = warehouse.build(ingested)
        assert holder.poll() == 0  # the other build had finished before this one started
    finally:
        holder.kill()
    assert "waiting for another warehouse build" in caplog.text
    assert candidate.exists()


def test_dbt_unit_tests_pass_on_a_built_warehouse(ingested: Settings, tmp_path: Path) -> None:
    """The YAML unit tests (hand-computed numbers for every formula) run here, once per code
    change: builds leave them out. dbt reads the input columns from a built warehouse."""
    build_path = warehouse.accept(warehouse.build(ingested))
    scratch = tmp_path / "unit.duckdb"
    shutil.copyfile(build_path, scratch)
    scratch.chmod(0o644)
    excluded = warehouse.unpublished_selectors(ingested)
    warehouse.run_dbt(ingested, scratch, "test", "--select", "test_type:unit", "--exclude", *excluded)

    results = json.loads((warehouse.dbt_target_dir(ingested) / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 20
    assert {r["status"] for r in unit_tests} == {"pass"}
    # A build carries no unit test.
    assert not any(n.unique_id.startswith("unit_test.") for n in warehouse.node_results(build_path))
