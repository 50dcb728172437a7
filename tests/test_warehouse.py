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
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import build_and_publish

from treasury_warehouse.config import Settings
from treasury_warehouse.ingest.intake import PIPELINE_REVISION
from treasury_warehouse.ingest.sources import SOURCES
from treasury_warehouse.warehouse import builds as warehouse

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


@pytest.fixture
def ingested(settings: Settings, published_fixtures: Path) -> Settings:
    shutil.copytree(published_fixtures, settings.published_dir)
    return settings


def mart_value(path: Path, holder: str, month: str) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select holdings_all_maturities_usd_bn from marts.fct_treasury_holdings_monthly"
            " where holder_name = ? and period_month = ?",
            [holder, month],
        ).fetchone()[0]


def candidate_like(settings: Settings, build: Path) -> Path:
    """A candidate as a build leaves it (file, docs, run results), copied from a kept build:
    publication, audit and rollback are tested on it without a dbt run."""
    candidate = warehouse.new_build_path(settings)
    for item in build.parent.iterdir():
        if item.is_file() and not item.name.endswith(".wal"):
            shutil.copyfile(item, candidate.parent / item.name)
        elif item.is_dir() and item.name != "exports":
            shutil.copytree(item, candidate.parent / item.name, symlinks=True)
    candidate.chmod(0o644)
    # Its docs page and results name the build it becomes once kept, as a build's own do.
    kept = warehouse.build_id(candidate).replace(warehouse.CANDIDATE_PREFIX, warehouse.BUILD_PREFIX, 1)
    for page in [*candidate.parent.rglob("*.html"), *candidate.parent.rglob("*.json")]:
        page.write_text(page.read_text().replace(warehouse.build_id(build), kept))
    with duckdb.connect(str(candidate)) as con:
        con.execute("update meta.meta_build set build_id = ?", [kept])
    return candidate


def publish_like(settings: Settings, build: Path) -> Path:
    """A copy of ``build`` audited, kept and published as a later build: its kept path."""
    kept = warehouse.accept(candidate_like(settings, build))
    warehouse.publish(settings, kept)
    return kept


def test_build_publishes_an_audited_build_with_its_docs_and_parquet(published: Settings) -> None:
    build_path = warehouse.published_build(published)

    assert build_path is not None
    assert published.warehouse_path.is_symlink()
    assert os.path.samefile(build_path, published.warehouse_path)
    assert mart_value(published.warehouse_path, "Japan", "2011-06-01") == 881.5  # primary series only
    marts = {mart.name: mart for mart in warehouse.audit(published.warehouse_path)}
    assert marts["fct_treasury_holdings_monthly"].latest_month == "2012-12-01"
    assert {"dim_country", "dim_bloc_membership", "fct_bloc_flows_yearly", "fct_treasury_exposure"} <= set(marts)
    # dbt's docs page and per-node results are published with the build; the docs name
    # relations as a query against the published file does: its catalog is "warehouse".
    docs = warehouse.docs_path(published).read_text()
    assert r"\"warehouse\".\"marts\".\"fct_treasury_exposure\"" in docs
    assert "candidate-" not in docs
    # Each model's compiled SQL is on the page, from the build (docs generate compiles nothing again).
    assert docs.count('"compiled_code": "') >= len(marts)
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        assert con.execute("select current_database()").fetchone()[0] == "warehouse"
    nodes = warehouse.node_results(build_path)
    assert {n.status for n in nodes if not n.unique_id.startswith("exposure.")} <= {"success", "pass", "warn"}
    assert {n.status for n in nodes if n.unique_id.startswith("exposure.")} == {"no-op"}  # declared, not run
    assert "model.treasury_warehouse.fct_bloc_flows_yearly" in {n.unique_id for n in nodes}
    # The marts as Parquet, one set per build, published with it and saying which build.
    assert published.exports_dir.is_symlink()
    assert published.exports_dir.resolve() == warehouse.sidecar(build_path, "exports").resolve()
    manifest = json.loads((published.exports_dir / "build.json").read_text())
    assert manifest["build"] == warehouse.build_id(build_path)
    assert set(manifest["marts"]) == set(marts)
    for name, mart in marts.items():
        assert len(pd.read_parquet(published.exports_dir / f"{name}.parquet")) == mart.rows, name


def test_marts_and_meta_carry_their_descriptions_as_comments(published: Settings) -> None:
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        undescribed = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns()"
            " where schema_name in ('marts', 'meta') and coalesce(comment, '') = ''"
        ).fetchall()
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name in ('marts', 'meta')"
        ).fetchall()
        [(column_comment,)] = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts'"
            " and table_name = 'fct_country_flows_monthly' and column_name = 'best_available_method'"
        ).fetchall()
    assert undescribed == []
    assert len(tables) >= 18
    assert all(comment for _, comment in tables), tables
    assert column_comment.startswith("Method of best_available_net_purchases_usd_bn")


def test_the_digital_librarys_votes_measure_the_years_after_the_historical_ones(published: Settings) -> None:
    """The fixture's historical votes end in 2016; the UN Digital Library file adds ten roll
    calls of 2017 (one in an emergency special session, Mexico absent once). 2017's blocs are
    measured from them, not carried forward from 2016."""
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        sources = dict(
            con.execute(
                "select vote_source, max(vote_year) from intermediate.int_un_votes_against_us group by 1"
            ).fetchall()
        )
        assert sources == {"unvotes": 2016, "undl": 2017}
        blocs = con.execute(
            "select iso3, bloc, measured_year, is_carried_forward from marts.dim_bloc_membership"
            " where year = 2017 and iso3 in ('AUS', 'MEX', 'CHN') order by iso3"
        ).fetchall()
        assert blocs == [
            ("AUS", "most_aligned", 2017, False),
            ("CHN", "least_aligned", 2017, False),
            ("MEX", "neutral", 2017, False),
        ]
        [(published_sources,)] = con.execute("select sources_not_built from meta.meta_build").fetchall()
        assert "undl.votes" not in published_sources


def test_meta_says_which_build_and_how_fresh_each_source_is(published: Settings) -> None:
    build_path = warehouse.published_build(published)
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        [(build, revision, bloc_method, not_built)] = con.execute(
            "select build_id, code_revision, bloc_method, sources_not_built from meta.meta_build"
        ).fetchall()
        sources = {
            row[0]: row[1:]
            for row in con.execute(
                "select source_name, is_built, latest_vintage_released_on::varchar, last_period_covered::varchar,"
                " freshness_status, freshness_warn_after_days, is_stale from meta.meta_sources"
            ).fetchall()
        }
    assert build == warehouse.build_id(build_path)
    assert revision
    assert bloc_method == "un_vote_coincidence"
    assert not_built == "bea.iip_api"
    assert set(sources) == set(SOURCES)
    # The fixture's major-holders file was released 2013-02-17 and ends in December 2012: stale.
    assert sources["tic_mfh"] == (True, "2013-02-17", "2012-12-01", "warn", 100, True)
    assert sources["ewn"][2] == "2020-12-31"  # the fixture ends in 2020: a year covers through 31 December
    assert sources["bea_iip_api"] == (False, None, None, "not_published", None, False)
    assert sources["un_votes"][3] == "not_checked"  # votes carry no date; their roll calls do
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        dated = {
            row[0]: row[1:]
            for row in con.execute(
                "select source_name, latest_vintage_released_on::varchar, release_date_basis, landed_at is not null,"
                " days_since_release, live_path, mirror_path from meta.meta_sources"
            ).fetchall()
        }
    # A release stamp in the file, or in its name (the Digital Library's, from the fixture's name
    # ga_voting.csv: none, so landed), is a release date; a landing day is not one.
    assert dated["tic_mfh"][:2] == ("2013-02-17", "file")
    assert dated["fred_fdhbfin"][:4] == (None, "unknown", True, None)  # read from a mirror folder
    assert dated["un_votes_undl"][:2] == (None, "unknown")
    assert dated["wgc_gold_changes"][4:] == ("mirror_only", "gold/Changes_latest_as_of_Sep2024_IFS.xlsx")
    assert dated["bea_iip_api"][4] == "key"
    assert dated["un_votes_undl"][4] == "keyless"


def test_bi_tools_are_offered_the_marts_and_meta_alone(published: Settings) -> None:
    """data/bi.duckdb: the published build's marts and meta, with their keys and comments,
    and nothing of the layers that feed them."""
    assert os.path.samefile(published.bi_path, warehouse.sidecar(warehouse.published_build(published), "bi"))
    with duckdb.connect(str(published.bi_path), read_only=True) as bi:
        schemas = {s for (s,) in bi.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts", "meta"}
        [(empty_main,)] = bi.execute("select count(*) from duckdb_tables() where schema_name = 'main'").fetchall()
        assert empty_main == 0
        bi.execute(f"attach '{published.warehouse_path}' as whole (read_only)")
        compared = bi.execute(
            "select t.schema_name, t.table_name, t.comment, f.comment,"
            " (select count(*) from duckdb_constraints() c where c.database_name = 'bi' and c.schema_name ="
            "  t.schema_name and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY'),"
            " (select count(*) from duckdb_constraints() c where c.database_name = 'whole' and c.schema_name ="
            "  t.schema_name and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY')"
            " from duckdb_tables() t join duckdb_tables() f on f.database_name = 'whole'"
            " and f.schema_name = t.schema_name and f.table_name = t.table_name where t.database_name = 'bi'"
        ).fetchall()
        in_full = bi.execute(
            "select count(*) from duckdb_tables() where database_name = 'whole' and schema_name in ('marts', 'meta')"
        ).fetchone()[0]
        assert len(compared) == in_full > 20
        for schema, table, comment, full_comment, keys, full_keys in compared:
            assert comment, (schema, table)
            assert comment == full_comment, (schema, table)
            assert keys == full_keys, (schema, table)
            difference = bi.execute(  # names from the catalogue
                f'select count(*) from (select * from bi."{schema}"."{table}"'
                f' except all select * from whole."{schema}"."{table}")'
            ).fetchone()[0]
            assert difference == 0, (schema, table)
        columns = bi.execute(
            "select comment from duckdb_columns() where database_name = 'bi' and schema_name = 'marts'"
            " and table_name = 'fct_bloc_flows_yearly' and column_name = 'best_available_net_purchases_usd_bn'"
        ).fetchone()
        assert "billions of US dollars" in columns[0]


def test_duckdb_1x_clients_read_every_mart(published: Settings, duckdb1_clients: Path) -> None:
    """BI drivers and the CLI on PyPI bundle DuckDB 1.x: the file BI tools open reads in a bare
    install of them, the docs' meta query included (no zoned timestamp, which needs pytz)."""
    expected = {mart.name: mart.rows for mart in warehouse.audit(published.warehouse_path)}
    script = textwrap.dedent(
        f"""
        import json, duckdb
        con = duckdb.connect({str(published.bi_path)!r}, read_only=True)
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        count = 'select count(*) from "{{}}"."{{}}"'
        counts = {{f"{{s}}.{{t}}": con.execute(count.format(s, t)).fetchone()[0] for s, t in tables}}
        meta = con.execute(
            "select m.build_id, m.built_at, s.source_name, s.last_period_covered, s.is_stale"
            " from meta.meta_build as m cross join meta.meta_sources as s order by s.source_name"
        ).fetchall()
        print(json.dumps({{"version": duckdb.__version__, "counts": counts, "meta": len(meta)}}))
        """
    )
    python = subprocess.run(
        [str(duckdb1_clients / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True
    )
    answer = json.loads(python.stdout)
    assert answer["version"].startswith("1.")
    assert {k.removeprefix("marts."): v for k, v in answer["counts"].items() if k.startswith("marts.")} == expected
    assert answer["counts"]["meta.meta_sources"] == answer["meta"] == len(SOURCES)
    assert {k.split(".")[0] for k in answer["counts"]} == {"marts", "meta"}
    cli = subprocess.run(
        [
            str(duckdb1_clients / "bin" / "duckdb"),
            "-readonly",
            "-csv",
            "-noheader",
            str(published.warehouse_path),
            "-c",
            "select count(*) from marts.fct_treasury_holdings_monthly",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert cli.stdout.strip() == str(expected["fct_treasury_holdings_monthly"])


def test_a_duckdb_14_client_reads_a_new_build_by_its_resolved_path(tmp_path: Path, duckdb1_clients: Path) -> None:
    """What docs/bi.md says of DuckDB 1.4: a process that holds a connection to the published
    path gets the held build from a new connection to that path, and the new build from the
    path the link resolves to. Two one-table files stand for two builds."""
    script = textwrap.dedent(
        """
        import duckdb, os
        for name in ("old", "new"):
            with duckdb.connect(name + ".duckdb") as con:
                con.execute("create table t as select ? as build", [name])
        os.symlink("old.duckdb", "bi.duckdb")
        def build(path):
            return duckdb.connect(path, read_only=True).execute("select build from t").fetchone()[0]
        held = duckdb.connect("bi.duckdb", read_only=True)
        os.symlink("new.duckdb", "swap")
        os.replace("swap", "bi.duckdb")  # a publication
        print(build("bi.duckdb"), build(os.path.realpath("bi.duckdb")))
        """
    )
    seen = subprocess.run(
        [str(duckdb1_clients / "bin" / "python"), "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.split() == ["old", "new"]


def test_the_published_file_stands_alone(published_copy: Settings) -> None:
    """No view reads the Parquet area: the published sources can go."""
    for parquet in published_copy.published_dir.rglob("*.parquet"):
        parquet.unlink()
    assert mart_value(published_copy.warehouse_path, "China, Mainland", "2012-12-01") == 1202.5


def test_failed_build_leaves_the_published_warehouse(published_copy: Settings) -> None:
    ingested, first = published_copy, warehouse.published_build(published_copy)
    for parquet in ingested.published_dir.rglob("*.parquet"):
        parquet.write_bytes(b"PAR1 not really parquet")  # dbt cannot read it: the build must fail

    with pytest.raises(warehouse.BuildFailed, match="published_readable"):
        warehouse.build(ingested)

    assert os.path.samefile(first, ingested.warehouse_path)
    assert warehouse.builds(ingested) == [first]


def test_a_failing_dbt_build_leaves_the_published_warehouse(published_copy: Settings) -> None:
    ingested, first = published_copy, warehouse.published_build(published_copy)
    [parquet] = (ingested.published_dir / "tic_mfh").glob("*.parquet")
    readable = parquet.with_suffix(".tmp")
    with duckdb.connect() as con:  # a readable file without a column the staging model needs
        con.execute(f"copy (select * exclude (holdings_usd_bn) from '{parquet}') to '{readable}' (format parquet)")
    readable.replace(parquet)

    with pytest.raises(warehouse.BuildFailed, match="dbt build"):
        warehouse.build(ingested)

    assert os.path.samefile(first, ingested.warehouse_path)
    assert warehouse.builds(ingested) == [first]
    assert not list(ingested.builds_dir.glob("candidate-*"))  # the failed candidate's folder is gone


def test_a_new_vintage_that_breaks_the_build_is_quarantined_and_the_rest_is_built(published_copy: Settings) -> None:
    from treasury_warehouse.ingest import quarantine

    ingested, first = published_copy, warehouse.published_build(published_copy)
    # A vintage that passed its gate but breaks a dbt test: the same rows under a second
    # file name repeat stg_fred__series' key.
    [good] = (ingested.published_dir / "fred_fdhbfin").glob("*.parquet")
    bad = good.with_name(f"vintage=2017-01-02__0badf11e0000__r{PIPELINE_REVISION}.parquet")
    shutil.copyfile(good, bad)

    rebuilt = warehouse.build(ingested)

    [held] = quarantine.held_back(rebuilt)
    assert (held.source, held.file) == ("fred_fdhbfin", bad.name)
    assert any("unique_stg_fred__series_row_id" in node for node in held.failing), held.failing
    assert f"[fred_fdhbfin] {bad.name}: rule 'builds_cleanly' failed" in held.message
    assert not bad.exists()
    assert (ingested.quarantine_dir / "fred_fdhbfin" / bad.name).exists()
    assert good.exists()  # the source keeps its last good vintage
    # The build that went ahead is complete and publishable; the bad file stays out.
    warehouse.publish(ingested, warehouse.accept(rebuilt))
    assert not os.path.samefile(first, ingested.warehouse_path)
    assert quarantine.inputs_of(warehouse.published_build(ingested)) == quarantine.published_files(ingested)
    assert "quarantined" in quarantine.quarantined(ingested, "fred_fdhbfin", "0badf11e0000" + "0" * 52)


def test_a_build_failing_the_audit_is_never_kept_or_rolled_back_to(published_copy: Settings) -> None:
    ingested, first = published_copy, warehouse.published_build(published_copy)
    candidate = candidate_like(ingested, first)
    with duckdb.connect(str(candidate)) as con:
        con.execute("delete from marts.fct_niip")  # an empty mart fails the audit
    with pytest.raises(warehouse.BuildFailed, match="mart_not_empty"):
        warehouse.accept(candidate)

    assert not candidate.exists()
    assert warehouse.builds(ingested) == [first]
    third = publish_like(ingested, first)
    assert warehouse.rollback(ingested).published == first
    assert third.stat().st_mode & 0o222 == 0  # kept builds are read-only


def test_an_older_build_never_replaces_a_newer_one(published_copy: Settings) -> None:
    ingested, first = published_copy, warehouse.published_build(published_copy)
    older = warehouse.accept(candidate_like(ingested, first))
    newer = publish_like(ingested, first)

    with pytest.raises(warehouse.BuildFailed, match="newest_wins"):
        warehouse.publish(ingested, older)
    assert os.path.samefile(newer, ingested.warehouse_path)


def test_nothing_published_is_refused(settings: Settings) -> None:
    with pytest.raises(warehouse.BuildFailed, match="no source has been published"):
        warehouse.build(settings)
    assert warehouse.builds(settings) == []


def test_a_first_warehouse_waits_for_every_marts_sources(settings: Settings, published_fixtures: Path) -> None:
    shutil.copytree(published_fixtures, settings.published_dir, ignore=shutil.ignore_patterns("fiscal_mspd_detail"))

    verdict = warehouse.plan(settings)

    assert not verdict.due
    assert verdict.waiting == {
        "fiscal_mspd_detail": ["fct_treasury_maturities_monthly", "fct_treasury_maturities_yearly"]
    }
    assert "waits for every mart's sources: fiscal_mspd_detail (for fct_treasury_maturities_monthly" in verdict.reason
    with pytest.raises(warehouse.NotReady, match="fiscal_mspd_detail"):
        warehouse.build(settings)
    assert warehouse.builds(settings) == []
    assert warehouse.plan(settings, force=True).due


@pytest.mark.parametrize("mirror", [True, False])
def test_a_first_warehouse_does_not_wait_for_what_this_deployment_cannot_publish(
    settings: Settings, published_fixtures: Path, mirror: bool
) -> None:
    # Optional inputs (the Digital Library's votes, FRED's gross series) are not in every
    # mirror; without a mirror, the mirror-only sources (WGC's file, BEA's table) never come.
    optional = [name for name, s in SOURCES.items() if s.optional_input]
    mirror_only = [name for name, s in SOURCES.items() if s.url is None]
    left_out = optional + ([] if mirror else mirror_only)
    shutil.copytree(published_fixtures, settings.published_dir, ignore=shutil.ignore_patterns(*left_out))
    settings = settings if mirror else dataclasses.replace(settings, source_mirror=None)

    verdict = warehouse.plan(settings)

    assert verdict.due, verdict.reason
    assert verdict.waiting == {}


def test_settings_keep_the_published_path_a_symlink(published_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(published_copy.data_dir))
    monkeypatch.delenv("WAREHOUSE_PATH", raising=False)
    settings = Settings.from_env()
    assert settings.warehouse_path == published_copy.data_dir / "warehouse.duckdb"
    assert settings.warehouse_path.is_symlink()  # a publication swaps the link, never a build's file
    assert warehouse.published_build(settings) == warehouse.published_build(published_copy)


def test_a_build_is_due_only_when_something_published_is_not_built(published_copy: Settings) -> None:
    settings = published_copy
    current = warehouse.published_build(settings)
    assert not warehouse.plan(settings).due
    assert (
        warehouse.plan(settings).reason
        == f"up to date: {warehouse.build_id(current)} was built from every published vintage"
    )

    [vintage] = (settings.published_dir / "tic_mfh").glob("*.parquet")
    os.utime(vintage)  # re-published in place (a forced run keeps the name)
    verdict = warehouse.plan(settings)
    assert verdict.due
    assert verdict.changed == [f"tic_mfh/{vintage.name}"]
    assert verdict.reason.startswith(f"1 published vintage(s) since {warehouse.build_id(current)}: tic_mfh/")


def test_a_warehouse_with_fewer_marts_than_the_published_one_is_refused(published_copy: Settings) -> None:
    settings = published_copy
    current = warehouse.published_build(settings)
    shutil.rmtree(settings.published_dir / "fiscal_mspd_detail")  # as if its only vintage were gone

    with pytest.raises(
        warehouse.BuildFailed, match="rule 'marts_kept' failed: it lacks fct_treasury_maturities_monthly"
    ):
        warehouse.build(settings)

    assert warehouse.builds(settings) == [current]
    assert not list(settings.builds_dir.glob("candidate-*"))


def test_a_killed_builds_leftovers_and_orphaned_write_ahead_logs_are_swept(settings: Settings) -> None:
    old = time.time() - warehouse.STALE_CANDIDATE_S - 60
    killed = settings.builds_dir / "candidate-20260101T000000000000Z"
    killed.mkdir(parents=True)
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        (killed / name).write_bytes(b"x")
    orphan = settings.data_dir / "warehouse.duckdb.wal"  # a client opened the link read-write, then died
    orphan.write_bytes(b"x")
    running = settings.builds_dir / "candidate-29990101T000000000000Z"  # a build in progress
    running.mkdir()
    (running / "warehouse.duckdb.wal").write_bytes(b"x")
    for path in (killed, orphan):
        os.utime(path, (old, old))

    warehouse._remove_stale_candidates(settings)

    assert not killed.exists()
    assert not orphan.exists()
    assert (running / "warehouse.duckdb.wal").exists()  # young: its build may still be writing


def test_rollback_and_pruning_of_old_builds(published_copy: Settings) -> None:
    from treasury_warehouse.report.nightly import build_report

    ingested, first = published_copy, warehouse.published_build(published_copy)
    second = publish_like(ingested, first)
    build_report(ingested)  # the second build's report
    third = publish_like(ingested, first)
    assert not warehouse.report_path(ingested).exists()  # no report of the third yet: none is shown
    build_report(ingested)

    assert warehouse.builds(ingested) == [second, third]  # keep_builds=2
    assert not first.parent.exists()  # the pruned build's folder: file, docs, results, Parquet
    assert warehouse.rollback(ingested).published == second
    assert warehouse.published_build(ingested) == second
    # The Parquet exports and the docs page go back with the warehouse.
    assert json.loads((ingested.exports_dir / "build.json").read_text())["build"] == warehouse.build_id(second)
    assert warehouse.build_id(second) in warehouse.docs_path(ingested).read_text()
    # So does the report: the one drawn from the second build.
    assert warehouse.report_path(ingested).resolve() == warehouse.sidecar(second, "report").resolve() / "index.html"
    assert json.loads((warehouse.report_path(ingested).parent / "report.json").read_text())["build"] == (
        warehouse.build_id(second)
    )
    with pytest.raises(warehouse.BuildFailed, match="no earlier build"):
        warehouse.rollback(ingested)


def test_reader_in_another_process_neither_blocks_nor_sees_half_a_build(published_copy: Settings) -> None:
    """A process holds a connection across a build and its publication (a BI server's pool):
    that connection keeps reading the build it opened, and a connection it opens afterwards,
    to the same path, reads the new build (DuckDB caches one instance per resolved file)."""
    ingested, first = published_copy, warehouse.published_build(published_copy)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time, duckdb
                path = {str(ingested.warehouse_path)!r}
                build = "select build_id from meta.meta_build"
                held = duckdb.connect(path, read_only=True)
                print("connected", held.execute(build).fetchone()[0], flush=True)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    n = held.execute("select count(*) from marts.fct_treasury_holdings_monthly").fetchone()[0]
                    assert n > 0
                    if sys.stdin.readline().strip() == "stop":
                        break
                new = duckdb.connect(path, read_only=True)
                print("held", held.execute(build).fetchone()[0], "new", new.execute(build).fetchone()[0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["connected", warehouse.build_id(first)]
        started = time.monotonic()
        new_build = build_and_publish(ingested)  # runs while the reader holds the file open
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert os.path.samefile(new_build, ingested.warehouse_path)
        assert time.monotonic() - started < 120
        reader.stdin.write("stop\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == [
            "held",
            warehouse.build_id(first),
            "new",
            warehouse.build_id(new_build),
        ]
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


def test_a_rebuild_from_the_same_inputs_is_identical(published: Settings, ingested: Settings) -> None:
    first = marts_content(warehouse.published_build(published))  # the shared build, elsewhere
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
        with caplog.at_level("WARNING", logger="treasury_warehouse.warehouse.builds"):
            candidate = warehouse.build(ingested)
        assert holder.poll() == 0  # the other build had finished before this one started
    finally:
        holder.kill()
    assert "waiting for another warehouse build" in caplog.text
    assert candidate.exists()


def test_dbt_unit_tests_pass_on_a_built_warehouse(published: Settings, ingested: Settings, tmp_path: Path) -> None:
    """The YAML unit tests (hand-computed numbers for every formula) run here, once per code
    change: builds leave them out. dbt reads the input columns from a built warehouse."""
    build_path = warehouse.published_build(published)  # the shared build of the same inputs
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


# --- the report, from the same published fixture warehouse --------------------------------

REPORT_OUTPUT = Path(__file__).resolve().parent / "output"


@pytest.fixture(scope="module")
def report(published: Settings) -> Path:
    from treasury_warehouse.report.nightly import build_report

    return build_report(published)


def test_the_report_is_published_with_its_build(published: Settings, report: Path) -> None:
    build = warehouse.published_build(published)
    assert report == warehouse.sidecar(build, "report") / "index.html"
    assert warehouse.report_path(published).resolve() == report.resolve()
    summary = json.loads((report.parent / "report.json").read_text())
    drawn = [name for name, chart in summary["charts"].items() if not chart["missing"]]
    assert len(drawn) >= 6, summary["charts"]
    for name in drawn:
        assert (report.parent / f"{name}.svg").read_bytes().startswith(b"<?xml")
        assert (report.parent / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert summary["charts"][name]["title"], name  # a title that states the finding


def test_each_chart_draws_what_its_report_model_returns(published: Settings, report: Path) -> None:
    from treasury_warehouse.report.nightly import charts

    summary = json.loads((report.parent / "report.json").read_text())
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        for chart in charts():
            if summary["charts"][chart.name]["missing"]:
                continue
            drawn = pd.read_csv(report.parent / f"{chart.name}.csv")
            expected = con.execute(chart.query).df()
            assert len(drawn) == len(expected) == summary["charts"][chart.name]["rows"], chart.name
            for column in expected.select_dtypes("number").columns:
                assert drawn[column].sum() == pytest.approx(expected[column].sum()), (chart.name, column)


def editable_copy(published: Settings, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published.warehouse_path, copy)
    copy.chmod(0o644)
    return copy


def test_each_sentence_says_what_the_marts_say(published: Settings, tmp_path: Path) -> None:
    from treasury_warehouse.report.nightly import render

    copy = editable_copy(published, tmp_path)
    with duckdb.connect(str(copy)) as con:  # the fixture has no full year of bloc flows: one is added
        con.execute("update report.rpt_bloc_flows_yearly set is_latest_full_year = false")
        # Nor any bloc carried forward (its votes run past its holdings): one is said to be.
        con.execute(
            "update report.rpt_alignment_coverage_latest"
            " set carried_forward_countries = 1, carried_forward_share = 0.25, latest_measured_year = 2016"
        )
        con.execute(
            "insert into report.rpt_bloc_flows_yearly by name select bloc, 2024 as year,"
            " amount as best_available_net_purchases_usd_bn, true as is_full_year, true as is_latest_full_year"
            " from (values ('most_aligned', 120.25), ('neutral', -4.0), ('least_aligned', -33.5)) as t(bloc, amount)"
        )
    summary = render(copy, tmp_path / "report")
    kinds = {s["kind"] for s in summary["sentences"]}
    assert {"largest_buyer", "largest_seller", "bloc_year", "carried_forward"} <= kinds, summary["sentences"]
    with duckdb.connect(str(copy), read_only=True) as con:
        for sentence in summary["sentences"]:
            text = sentence["text"]
            if sentence["kind"] in ("largest_buyer", "largest_seller"):
                order = "desc" if sentence["kind"] == "largest_buyer" else "asc"
                holder, value = con.execute(
                    "select holder_name, best_available_net_purchases_usd_bn from marts.fct_country_flows_monthly"
                    " where strftime(period_month, '%Y-%m') = ? and best_available_net_purchases_usd_bn is not null"
                    f" order by best_available_net_purchases_usd_bn {order}, holder_name limit 1",
                    [sentence["month"]],
                ).fetchone()
                assert holder in text
                assert f"{abs(value):,.1f}bn" in text
            elif sentence["kind"] == "bloc_year":
                [(value,)] = con.execute(
                    "select best_available_net_purchases_usd_bn from report.rpt_bloc_flows_yearly"
                    " where bloc = ? and year = ?",
                    [sentence["bloc"], sentence["year"]],
                ).fetchall()
                assert f"{abs(value):,.1f}bn" in text
                assert str(sentence["year"]) in text
            elif sentence["kind"] == "carried_forward":
                [(carried, share, measured)] = con.execute(
                    "select carried_forward_countries, carried_forward_share, latest_measured_year"
                    " from report.rpt_alignment_coverage_latest where strftime(period_month, '%Y-%m') = ?",
                    [sentence["month"]],
                ).fetchall()
                assert f"{carried} of " in text
                assert f"{share:.0%} of foreign holdings" in text
                assert f"newest measured year is {measured}" in text
            else:
                [(holdings,)] = con.execute(
                    "select holdings_all_maturities_usd_bn from marts.fct_holder_records_monthly where holder_name = ?"
                    " and strftime(period_month, '%Y-%m') = ?",
                    [sentence["holder"], sentence["month"]],
                ).fetchall()
                assert f"{holdings:,.1f}bn" in text


def test_a_missing_report_model_leaves_the_other_charts_and_says_so(published: Settings, tmp_path: Path) -> None:
    from treasury_warehouse.report.nightly import render

    copy = editable_copy(published, tmp_path)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table report.rpt_maturity_wall")
        con.execute("delete from report.rpt_gold_vs_treasuries")

    summary = render(copy, tmp_path / "report")

    assert summary["charts"]["maturity_wall"]["missing"] == "not in this build: rpt_maturity_wall"
    assert summary["charts"]["gold"]["missing"] == "no rows in rpt_gold_vs_treasuries"
    page = (tmp_path / "report" / "index.html").read_text()
    assert "This chart is missing: not in this build: rpt_maturity_wall." in page
    assert (tmp_path / "report" / "holders.svg").exists()


def test_the_report_page_opens_in_chromium(report: Path) -> None:
    """The page as a reader opens it: the distribution's Chromium, headless, from disk."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (make test installs the distribution's package)")
        pytest.skip("no chromium on PATH (make test installs it)")
    from playwright.sync_api import sync_playwright

    REPORT_OUTPUT.mkdir(exist_ok=True)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=[*flags, "--disable-sync", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        headings = page.locator("h1, h2").all_inner_texts()
        page.screenshot(path=str(REPORT_OUTPUT / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert len(images) >= 6
    assert all(complete and width > 0 for complete, width in images), images
    assert headings == ["Who finances the US Treasury", "What changed", "Where things stand", "Charts"]
    assert (REPORT_OUTPUT / "report.png").stat().st_size > 10_000


def _later_build(settings: Settings, after: Path, seconds: int) -> Path:
    """A kept build as a later build would leave it: the folder copied under a later stamp
    (the same marts, so no dbt run is needed to test what publication does with it)."""
    stamp = datetime.strptime(warehouse.build_id(after).removeprefix("warehouse-"), "%Y%m%dT%H%M%S%fZ")
    name = f"warehouse-{stamp + timedelta(seconds=seconds):%Y%m%dT%H%M%S%fZ}"
    shutil.copytree(after.parent, settings.builds_dir / name, symlinks=True)
    return settings.builds_dir / name / warehouse.BUILD_FILE


def test_a_rollback_holds_until_an_operator_releases_it(published_copy: Settings) -> None:
    settings = dataclasses.replace(published_copy, keep_builds=5)
    first = warehouse.published_build(settings)
    second = _later_build(settings, first, 1)
    warehouse.publish(settings, second)

    back = warehouse.rollback(settings)

    assert (back.published, back.replaced, back.held) == (first, second, True)
    line = back.line(settings)
    assert warehouse.build_id(first) in line
    assert warehouse.build_id(second) in line
    assert "make release" in line
    # A newer vintage arrives: builds still wait, saying why, forced or not.
    newer = next(settings.published_dir.glob("tic_mfh/*.parquet"))
    os.utime(newer)
    for force in (False, True):
        verdict = warehouse.plan(settings, force=force)
        assert not verdict.due
        assert verdict.reason.startswith(f"held: {warehouse.build_id(first)} (rollback on ")
        assert "1 published vintage(s) wait" in verdict.reason
    with pytest.raises(warehouse.NotReady, match="held"):
        warehouse.build(settings)
    # A build that was running when the rollback came is not published over it.
    third = _later_build(settings, second, 2)
    with pytest.raises(warehouse.BuildFailed, match="rule 'held'"):
        warehouse.publish(settings, third)
    assert warehouse.published_build(settings) == first

    # Roll forward one build at a time; the newest kept one ends the hold.
    forward = warehouse.rollforward(settings)
    assert (forward.published, forward.replaced, forward.held) == (second, first, True)
    forward = warehouse.rollforward(settings)
    assert (forward.published, forward.replaced, forward.held) == (third, second, False)
    assert "not held" in forward.line(settings)
    with pytest.raises(warehouse.BuildFailed, match="no newer build"):
        warehouse.rollforward(settings)

    warehouse.rollback(settings)
    released = warehouse.release(settings)
    assert released is not None
    assert released.build == warehouse.build_id(second)
    assert warehouse.hold_of(settings) is None
    assert warehouse.plan(settings).due  # the newer vintage is built at the next chance
    assert warehouse.release(settings) is None


def test_the_cli_names_what_it_publishes_and_every_publication_shows_its_report(published_copy: Settings) -> None:
    settings = published_copy
    first = warehouse.published_build(settings)
    second = _later_build(settings, first, 1)
    warehouse.publish(settings, second)
    env = {**os.environ, "DATA_DIR": str(settings.data_dir), "KEEP_BUILDS": "5"}
    env.pop("WAREHOUSE_PATH", None)
    env.pop("SOURCE_MIRROR", None)

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "treasury_warehouse", *args], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "INFO" not in done.stdout + done.stderr  # library noise goes to the log file
        return done.stdout

    rolled = cli("rollback")
    assert f"published {warehouse.build_id(first)} in place of {warehouse.build_id(second)}" in rolled
    assert "held" in rolled
    report = warehouse.report_path(settings)
    assert report.resolve() == (warehouse.sidecar(first, "report") / "index.html").resolve()
    assert json.loads((report.parent / "report.json").read_text())["build"]
    listed = cli("builds")
    assert f"* {warehouse.build_id(first)}  (held since" in listed
    summary = cli("summary")
    assert "held: " in summary
    # Fetching from the publishers (no mirror), the sources only a mirror can give are named.
    assert "3 sources without a keyless live path" in summary
    named = [line.split(" (")[0].strip() for line in summary.splitlines() if line.startswith("  ")]
    assert named == ["bea_iip_table", "wgc_gold_changes", "bea_iip_api"]
    assert "  wgc_gold_changes (mirror only): the World Gold Council's Goldhub files need a registered login" in summary
    forward = cli("rollforward")
    assert f"published {warehouse.build_id(second)} in place of {warehouse.build_id(first)}; not held" in forward
    assert report.resolve() == (warehouse.sidecar(second, "report") / "index.html").resolve()
    cli("rollback")
    assert "released " in cli("release")
    assert "held" not in cli("builds")


FAKE_DBT_SESSION = """#!/bin/sh
# The build's dbt process (dbt_session) as it behaves when the disk fills up: MODE says where.
printf '{"results": []}' > "$DBT_TARGET_PATH/run_results.json"
echo "partial" > "$DBT_DUCKDB_PATH"
failed() { echo '{"failed": "build"}'; exit 1; }
[ "$MODE" = dbt ] && { echo "Runtime Error"; echo "  IO Error: No space left on device"; failed; }
[ "$MODE" = failing ] && { echo "ERROR creating sql table model marts.fct_niip"; failed; }
printf '<html></html>' > "$DBT_TARGET_PATH/static_index.html"
echo '{"ok": true}'
"""


@pytest.mark.parametrize("mode", ["dbt", "failing", "docs_copy"])
def test_a_full_disk_fails_with_the_builds_own_error_and_leaves_no_candidate(
    ingested: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    import errno

    fake = tmp_path / "dbt_session"
    fake.write_text(FAKE_DBT_SESSION)
    fake.chmod(0o755)
    monkeypatch.setattr(warehouse, "dbt_session_command", lambda spec: [str(fake)])
    monkeypatch.setenv("MODE", mode)
    (warehouse.dbt_target_dir(ingested)).mkdir(parents=True, exist_ok=True)
    real_copy = shutil.copyfile

    def full_disk(source, target, *args, **kwargs):
        if Path(target).parent.name.startswith("candidate-"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real_copy(source, target, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", full_disk)

    with pytest.raises(warehouse.BuildFailed) as failed:
        warehouse.build(ingested, partial=True)  # forced: no `dbt parse` to plan a first build

    message = str(failed.value)
    if mode == "failing":  # the build's own failure, not the copy of its run results that failed after it
        assert failed.value.rule == "dbt build"
        assert "ERROR creating sql table model marts.fct_niip" in message
    else:
        assert failed.value.rule == "disk_space"
        assert "No space left on device" in message
        assert str(ingested.builds_dir) in message  # names where the space ran out
    assert not list(ingested.builds_dir.glob("candidate-*"))  # removed at once, not after a sweep
    assert not ingested.quarantine_dir.exists()  # a full disk quarantines no vintage


def relation_checksums(path: Path) -> dict[str, tuple[int, int]]:
    """Every built relation but the meta tables (which say which build they are): its rows
    and an order-independent checksum of their contents."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema not in ('meta', 'information_schema', 'pg_catalog') order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(
                f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from "{schema}"."{name}" as t'
            ).fetchone()
            for schema, name in names
        }


def test_a_new_vintage_rebuilds_what_depends_on_it_and_carries_the_rest(
    published_copy: Settings, tmp_path: Path
) -> None:
    from treasury_warehouse.ingest.pipeline import ingest

    settings, before = published_copy, warehouse.published_build(published_copy)
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR, mirror)
    fdhbfin = mirror / "niip" / "FDHBFIN.csv"  # one new quarter and one small revision
    fdhbfin.write_text(fdhbfin.read_text().replace("2016-10-01,6003.9", "2016-10-01,6004.2") + "2017-01-01,5990.4\n")
    ingest("fred_fdhbfin", dataclasses.replace(settings, source_mirror=str(mirror)))

    carried = warehouse.build(settings)
    full = warehouse.build(settings, full=True)

    with duckdb.connect(str(carried), read_only=True) as con:
        assert con.execute("select carried_from_build, rebuilt_sources from meta.meta_build").fetchone() == (
            warehouse.build_id(before),
            "fred.series",
        )
    with duckdb.connect(str(full), read_only=True) as con:
        assert con.execute("select carried_from_build from meta.meta_build").fetchone() == (None,)
    rebuilt = {node.unique_id.split(".")[-1] for node in warehouse.node_results(carried)}
    assert "stg_fred__series" in rebuilt
    assert "meta_sources" in rebuilt
    assert "stg_tic__major_foreign_holders" not in rebuilt  # carried over, not rebuilt
    assert "stg_unvotes__votes" not in rebuilt
    assert len(rebuilt) < len(warehouse.node_results(full)) / 2
    for build in (carried, full):  # the build's own run results are kept, not those of its docs step
        assert json.loads(warehouse.sidecar(build, "run_results").read_text())["args"]["which"] == "build"
    # Carried and rebuilt alike, every relation equals a full rebuild's.
    checksums = relation_checksums(carried)
    assert checksums == relation_checksums(full)
    assert checksums != relation_checksums(before)  # the new quarter is in
    assert warehouse.sidecar(carried, "docs").read_bytes() == warehouse.sidecar(before, "docs").read_bytes()


def test_another_project_or_nothing_new_builds_everything(published_copy: Settings) -> None:
    current = warehouse.published_build(published_copy)
    fingerprint = warehouse.project_fingerprint(published_copy)
    # Nothing was published since the build: a forced build builds everything.
    assert warehouse.carry_plan(published_copy, current, fingerprint) is None
    [vintage] = (published_copy.published_dir / "fred_fdhbfin").glob("*.parquet")
    os.utime(vintage)  # re-published (forced) after the build
    assert warehouse.carry_plan(published_copy, current, fingerprint).sources == ["fred.series"]
    # Built by another project (a changed model, dbt, or year): everything is rebuilt.
    assert warehouse.carry_plan(published_copy, current, "0" * 64) is None
    # A source whose only vintage went (quarantined) takes its models with it: a full build.
    shutil.move(vintage, published_copy.data_dir / vintage.name)
    assert warehouse.carry_plan(published_copy, current, fingerprint) is None


def test_a_new_data_folders_first_build_parses_only_what_changed_since_the_projects_parse(tmp_path: Path) -> None:
    """`make install` parses the project once; a build in any data folder starts from that
    parse, because the paths dbt reads while parsing are the same in every data folder."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        Settings.from_env().dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb")
    )

    def in_folder(name: str) -> Settings:
        return dataclasses.replace(
            Settings.from_env(),
            data_dir=tmp_path / name,
            warehouse_path=tmp_path / name / "warehouse.duckdb",
            dbt_project_dir=project,
        )

    state = warehouse.parse_project(in_folder("install"))
    assert state.exists()

    def parsed_again(settings: Settings) -> int:
        """How many of the project's files dbt parsed again for a build in this data folder."""
        from treasury_warehouse.warehouse.dbt_session import _start_from_project_parse

        _start_from_project_parse(settings)
        assert warehouse.parse_state(settings).read_bytes() == state.read_bytes()
        command = [warehouse.dbt_executable(), "parse", "--project-dir", str(project)]
        env = {
            **warehouse.dbt_env(settings, settings.builds_dir / warehouse.BUILDING_LINK / warehouse.BUILD_FILE),
            **warehouse.parse_stable_env(settings),
        }
        done = subprocess.run(command, env=env, cwd=settings.data_dir, capture_output=True, text=True, check=True)
        assert "Unable to do partial parsing" not in done.stdout, done.stdout
        perf = json.loads((warehouse.dbt_target_dir(settings) / "perf_info.json").read_text())
        assert perf["is_partial_parse_enabled"]
        return perf["parsed_path_count"]

    # Nothing: an absolute path to the Parquet area would have made dbt parse 116 files again.
    assert parsed_again(in_folder("night")) == 0
    # A changed model is parsed again, with the YAML that describes it, and nothing else.
    model = project / "models/marts/external_position/fct_niip_preferred.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert parsed_again(in_folder("another-night")) == 2
