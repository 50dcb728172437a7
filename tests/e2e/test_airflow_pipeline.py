"""The ingest and build DAGs run under Airflow (`airflow dags test`) against a fixture
mirror served over HTTP on 127.0.0.1, and a corrupted release is stopped at the gate."""

from __future__ import annotations

import hashlib
import html
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import Deployment, WebhookServer, new_deployment

from treasury_warehouse.ingest.sources import SOURCES

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(tmp_path: Path, mirror_server, airflow_db: Path) -> Deployment:
    deployment = new_deployment(tmp_path, airflow_db, SOURCE_MIRROR=mirror_server.url, BEA_API_KEY="")
    deployment.mirror_root = mirror_server.root
    return deployment


def holdings(warehouse: Path, holder: str, month: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select holdings_all_maturities_usd_bn, series, vintage_released_on::varchar, is_latest_vintage "
            "from marts.fct_treasury_holdings_revisions where holder_name = ? and period_month = ?"
            " and not is_comparison_only",
            [holder, month],
        ).fetchall()


def warehouse_builds(deployment: Deployment) -> list[Path]:
    return sorted((deployment.data_dir / "builds").glob("warehouse-*/warehouse.duckdb"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def staging_tables(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging'"
                " and table_type = 'BASE TABLE'"  # the latest-vintage views read these
            ).fetchall()
        ]
        return {name: con.execute(f'select count(*) from staging."{name}"').fetchone()[0] for name in names}


def test_dags_land_gate_build_and_publish_then_a_corrupt_release_is_stopped(
    deployment: Deployment, webhook_server, roles
) -> None:
    # The serving database given as an Airflow connection: the build's serve task copies
    # the published build there.
    deployment.env["AIRFLOW_CONN_WAREHOUSE_SERVING"] = roles.airflow_connection()
    good = deployment.run()

    assert good.code == 0, good.output
    served = subprocess.run(
        ["psql", roles.server.uri("bi_reader"), "-X", "-A", "-t", "-c", "select build_id from meta.meta_build"],
        env=roles.reader_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert served.stdout.strip() == deployment.warehouse.resolve().parent.name
    assert "served warehouse-" in (deployment.data_dir / "logs" / "build_warehouse.log").read_text()
    # A line per DAG (one per source, the build, the report), and where the logs are.
    assert len(good.output.splitlines()) <= len(SOURCES) + 3, good.output
    assert max(len(line) for line in good.output.splitlines()) <= 200, good.output
    for name, source in SOURCES.items():
        expected = f"ingest_{name}: skipped ([{name}]" if source.api_key_env else f"ingest_{name}: ok"
        assert expected in good.output
    assert "build_warehouse: ok" in good.output
    staged = staging_tables(deployment.warehouse)
    # Keyed APIs (no key here) are skipped, and their models left out of the build.
    assert {s.staging_model for s in SOURCES.values() if not s.api_key_env} == set(staged)
    assert all(rows > 0 for rows in staged.values()), staged
    assert holdings(deployment.warehouse, "Japan", "2012-12-01") == [(1120.5, "XIII", "2013-02-17", True)]
    assert holdings(deployment.warehouse, "Japan", "2011-06-01") == [(881.5, "XII", "2013-02-17", True)]
    assert holdings(deployment.warehouse, "Korea, South", "2011-01-01") == [(31.9, "XI", "2013-02-17", True)]
    docs = deployment.data_dir / "docs" / "dbt" / "index.html"
    assert "fct_treasury_holdings_monthly" in docs.read_text()
    build_log = (deployment.data_dir / "logs" / "build_warehouse.log").read_text()
    assert f"dbt docs: {docs}" in build_log
    assert "model.treasury_warehouse.fct_bloc_flows_yearly" in build_log  # every model in the task log

    again = deployment.run()  # a night on which no publisher changed anything
    assert again.code == 0, again.output
    assert "ingest_tic_mfh: unchanged" in again.output
    assert "build_warehouse: no build (up to date: warehouse-" in again.output
    assert len(warehouse_builds(deployment)) == 1
    assert len(list((deployment.data_dir / "published" / "tic_mfh").glob("*.parquet"))) == 1

    # Forcing a source and rebuilding republishes the same vintage: nothing is duplicated.
    rows_before = staging_tables(deployment.warehouse)
    forced = deployment.run("ingest_tic_mfh", "build_warehouse", conf='{"force": true}')
    assert forced.code == 0, forced.output
    assert "ingest_tic_mfh: ok" in forced.output
    assert "build_warehouse: ok" in forced.output
    # The new build's report follows its publication, as the warehouse Asset would trigger it.
    assert "report_warehouse: ok" in forced.output
    report = (deployment.data_dir / "report").resolve()
    assert report.parent == (deployment.data_dir / "warehouse.duckdb").resolve().parent
    assert (report / "index.html").exists()
    assert len(list((deployment.data_dir / "published" / "tic_mfh").glob("*.parquet"))) == 1
    assert staging_tables(deployment.warehouse) == rows_before

    # A publisher revises a figure and appends a quarter: the night's build says so in
    # meta.meta_changes, the report's "What changed" and the digest the report DAG sends
    # through the Airflow connection warehouse_digest (here a chat webhook on 127.0.0.1).
    fred = deployment.mirror_root / "niip" / "FDHBFIN.csv"
    fred.write_text(fred.read_text().replace("2016-07-01,6154.9", "2016-07-01,6156.1") + "2017-01-01,6006.2\n")
    with WebhookServer() as chat:
        deployment.env["AIRFLOW_CONN_WAREHOUSE_DIGEST"] = chat.url.replace("/hooks/failures", "/hooks/digest")
        revised = deployment.run("ingest_fred_fdhbfin", "build_warehouse")
        del deployment.env["AIRFLOW_CONN_WAREHOUSE_DIGEST"]
    assert revised.code == 0, revised.output
    assert "report_warehouse: ok" in revised.output
    [digest] = chat.received
    [line] = digest["changes"]  # one sentence for the source that advanced
    expected = (
        "; 1 period added: 2017-01-01;"
        " 1 value revised; the largest FDHBFIN 2016-07-01 (value): 6,154.9 to 6,156.1 (+1.2)"
    )
    assert line.startswith("fred_fdhbfin: new vintage "), line
    assert line.endswith(expected), line
    assert digest["build"] == deployment.warehouse.resolve().parent.name
    page = (deployment.data_dir / "report" / "index.html").read_text()
    assert html.escape(line) in page
    with duckdb.connect(str(deployment.warehouse), read_only=True) as con:
        moved = con.execute(
            "select period_end, previous_value, observed_value from marts.fct_series_revisions"
            " where series_key = 'FDHBFIN' and change_from_previous <> 0"
        ).fetchall()
    assert moved == [(date(2016, 9, 30), 6154.9, 6156.1)]  # the quarter's last day

    published_before = sha256(deployment.warehouse)
    inode_before = deployment.warehouse.stat().st_ino
    served = deployment.mirror_root / "tic" / "mfhhis01.txt"
    served.write_text(served.read_text().replace("Japan\t1120.5", "Japan\t-1120.5"))

    deployment.env["ALERT_WEBHOOK_URL"] = webhook_server.url
    bad = deployment.run("ingest_tic_mfh", "build_warehouse")

    assert bad.code != 0
    assert "ingest_tic_mfh: FAILED" in bad.output
    assert "build_warehouse: no build (up to date: warehouse-" in bad.output  # nothing new was published
    assert "failed: ingest_tic_mfh" in bad.output
    assert "rule 'expectation_suite' failed" in bad.output
    assert "expect_column_values_to_be_between(column='holdings_usd_bn'" in bad.output
    # The failure callback told the configured webhook which DAG, task and source failed, and why.
    [alert] = webhook_server.received
    assert (alert["dag_id"], alert["task_id"], alert["source"]) == ("ingest_tic_mfh", "validate", "tic_mfh")
    assert "rule 'expectation_suite' failed" in alert["reason"]
    # The rejected release is kept as landed; nothing new is published or built.
    raw = sorted(p.name for p in (deployment.data_dir / "raw" / "tic_mfh").iterdir())
    assert len(raw) == 2
    assert hashlib.sha256(served.read_bytes()).hexdigest() in raw
    assert len(list((deployment.data_dir / "published" / "tic_mfh").glob("*.parquet"))) == 1
    assert deployment.warehouse.stat().st_ino == inode_before
    assert sha256(deployment.warehouse) == published_before
    assert holdings(deployment.warehouse, "Japan", "2012-12-01") == [(1120.5, "XIII", "2013-02-17", True)]

    # A file the publisher no longer serves (404) is a permanent error: it fails at once,
    # without Airflow's retries, naming the URL, and the other sources still run.
    (deployment.mirror_root / "tic" / "slt_table1.txt").unlink()
    missing = deployment.run("ingest_tic_slt", "ingest_tic_shl")
    assert missing.code == 1
    [line] = [ln for ln in missing.output.splitlines() if ln.startswith("ingest_tic_slt: FAILED in ")]
    assert float(line.split(" in ")[1].split("s")[0]) < 30, line
    assert "HTTP 404 (client error, not retried)" in missing.output
    assert "/tic/slt_table1.txt" in missing.output
    assert "ingest_tic_shl: unchanged" in missing.output
    assert "failed: ingest_tic_slt" in missing.output
    assert "loc=" not in missing.output  # the reason is the pipeline's message, not the log formatter's


def test_the_readme_commands_run_through_the_wrapper_with_the_mirror_make_run_used(
    deployment: Deployment, tmp_path: Path
) -> None:
    """After `make run` with a mirror, the README's commands outside make (bin/warehouse ...)
    use that mirror: no network, no variable to export, no virtual environment activated."""
    home = Path(deployment.env["AIRFLOW_HOME"])
    remembered = subprocess.run(
        ["make", "-s", "settings"],
        env={**os.environ, "AIRFLOW_HOME": str(home), "SOURCE_MIRROR": deployment.env["SOURCE_MIRROR"]},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert remembered.stdout == ""
    bin_dir = str(Path(sys.executable).parent)
    bare = {
        "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != bin_dir),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "AIRFLOW_HOME": str(home),
        "DATA_DIR": str(deployment.data_dir),
    }
    ran = subprocess.run(
        [str(PROJECT_ROOT / "bin" / "warehouse"), "airflow", "dags", "test", "ingest_tic_mfh"],
        env=bare,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "graphviz" not in ran.stdout + ran.stderr
    [manifest] = (deployment.data_dir / "raw" / "tic_mfh").glob("*/manifest.json")
    assert json.loads(manifest.read_text())["url"] == f"{deployment.env['SOURCE_MIRROR']}/tic/mfhhis01.txt"
    assert list((deployment.data_dir / "published" / "tic_mfh").glob("*.parquet"))
