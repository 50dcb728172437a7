"""Every DAG imports cleanly and carries what operations rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from treasury_warehouse.ingest.sources import SOURCES

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
HEAVY_MODULES = ("pandas", "great_expectations", "duckdb", "dbt", "pyarrow", "matplotlib")


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}


def test_one_ingest_dag_per_registered_source_and_the_build(dagbag: DagBag) -> None:
    assert set(dagbag.dag_ids) == {f"ingest_{name}" for name in SOURCES} | {"build_warehouse", "report_warehouse"}


def test_every_dag_has_tags_owner_retries_and_no_catchup(dagbag: DagBag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.catchup is False, dag_id
        assert dag.max_active_runs == 1, dag_id
        for task in dag.tasks:
            assert task.owner == "data-platform", (dag_id, task.task_id)
            assert task.execution_timeout is not None, (dag_id, task.task_id)


def test_fetch_has_a_bounded_retry_budget_and_data_errors_no_retry(dagbag: DagBag) -> None:
    from datetime import timedelta

    for name in SOURCES:
        dag = dagbag.dags[f"ingest_{name}"]
        fetch = dag.get_task("fetch_and_land")
        # One more try after 10 s for a transient error; the task never runs past 6 minutes.
        assert fetch.retries == 1
        assert fetch.retry_delay == timedelta(seconds=10)
        assert not fetch.retry_exponential_backoff
        assert fetch.execution_timeout == timedelta(minutes=6)
        assert dag.get_task("parse").retries == 0
        assert dag.get_task("validate").retries == 0


def test_publish_emits_the_source_asset_and_the_build_listens_to_all(dagbag: DagBag) -> None:
    uris = {dagbag.dags[f"ingest_{name}"].get_task("publish").outlets[0].uri for name in SOURCES}
    assert uris == {source.asset_uri for source in SOURCES.values()}
    timetable = dagbag.dags["build_warehouse"].timetable
    condition = timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"  # any one source updating triggers a build
    assert {asset.uri for asset in condition.objects} == uris


def test_the_build_also_runs_nightly_and_first_decides_whether_it_is_due(dagbag: DagBag) -> None:
    from treasury_warehouse.orchestration.defaults import NIGHTLY_BUILD, cron

    dag = dagbag.dags["build_warehouse"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.timetable.timetable.expression == cron(NIGHTLY_BUILD) == "0 6 * * *"
    assert dag.get_task("dbt_build").upstream_task_ids == {"due"}
    assert dag.get_task("due").retries == 0
    assert "force" in dag.params


def test_the_report_runs_on_the_warehouse_the_build_publishes(dagbag: DagBag) -> None:
    from treasury_warehouse.orchestration.defaults import WAREHOUSE_ASSET_URI

    outlets = dagbag.dags["build_warehouse"].get_task("publish").outlets
    assert [asset.uri for asset in outlets] == [WAREHOUSE_ASSET_URI]
    condition = dagbag.dags["report_warehouse"].timetable.asset_condition
    assert [asset.uri for asset in condition.objects] == [WAREHOUSE_ASSET_URI]


def test_dag_files_do_not_import_heavy_libraries_at_parse_time() -> None:
    code = (
        "import runpy, sys; sys.path.insert(0, {dags!r});"
        "[runpy.run_path(p) for p in {files!r}];"
        "print(','.join(m for m in {heavy!r} if m in sys.modules))"
    ).format(dags=str(DAGS_DIR), files=[str(p) for p in DAGS_DIR.glob("*.py")], heavy=HEAVY_MODULES)
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_warehouse_writers_share_a_one_slot_pool(dagbag: DagBag) -> None:
    from treasury_warehouse.orchestration.defaults import WAREHOUSE_POOL

    build = dagbag.dags["build_warehouse"]
    assert build.get_task("dbt_build").pool == WAREHOUSE_POOL
    assert build.get_task("publish").pool == WAREHOUSE_POOL
    # The serving database gets the build once it is published, one serve at a time.
    assert build.get_task("serve").pool == WAREHOUSE_POOL
    assert build.get_task("serve").upstream_task_ids == {"publish"}


def test_every_task_reports_its_failure(dagbag: DagBag) -> None:
    from treasury_warehouse.orchestration.defaults import FailureNotifier

    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, FailureNotifier) for c in callbacks), (dag_id, task.task_id)


def test_a_task_returning_a_dict_pushes_it_as_one_xcom(dagbag: DagBag) -> None:
    """TaskFlow infers multiple_outputs from a `-> dict` annotation and then pushes every key
    as an XCom of its own as well, one execution-API request each."""
    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            assert not getattr(task, "multiple_outputs", False), (dag_id, task.task_id)
