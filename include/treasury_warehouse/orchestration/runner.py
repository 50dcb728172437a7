"""Run DAGs with Airflow's `dag.test()`, all in one process, one log file each.

This is what `airflow dags test` does, without paying Airflow's start-up (imports, the
in-process execution API, pandas and Great Expectations) once per DAG: a night on which
nothing changed then costs seconds, not minutes. Each DAG's output goes to
data/logs/<dag_id>.log; the console gets one line per DAG.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TAIL_LINES = 15
# The longest line a summary prints; the task log has the rest.
LINE_WIDTH = 200
# Pipeline errors read "[source] file: rule '...' failed: detail", the detail possibly
# continued on indented lines.
PIPELINE_ERROR = re.compile(r"\[[a-z0-9_]+\] .*rule '[^']+' failed")
BUILD_DAG = "build_warehouse"
INGEST_PREFIX = "ingest_"
REPORT_DAG = "report_warehouse"
# What Airflow's log formatter appends to a line: "[logger.name] loc=file.py:81".
LOG_SUFFIX = re.compile(r"\s+\[[\w.]+\]\s+loc=\S+\s*$")


@dataclass(frozen=True)
class Outcome:
    dag_id: str
    status: str  # ok, FAILED, skipped (...), unchanged (...)
    seconds: float
    log_path: Path

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"

    @property
    def published(self) -> bool:
        """An ingest run that published a table (and so updated its Asset)."""
        return self.status == "ok"


def ensure_pool() -> None:
    """Create (or resize) the one-slot pool the warehouse writers share."""
    from airflow.models.pool import Pool

    from treasury_warehouse.orchestration.defaults import WAREHOUSE_POOL, WAREHOUSE_POOL_DESCRIPTION

    Pool.create_or_update_pool(WAREHOUSE_POOL, 1, WAREHOUSE_POOL_DESCRIPTION, include_deferred=False)


@contextmanager
def _output_to(log_path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors included) to log_path."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_path.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _dag_bag():
    """Parse the DAG folder once and write its DAGs to the metadata database, as the
    dag-processor would; every run of this process then uses these DAG objects."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    bundle = manager.get_bundle("dags-folder")
    if not bundle.is_initialized:
        bundle.initialize()
    bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    sync_bag_to_db(bag, bundle.name, bundle.version)
    return bag


@contextmanager
def _parsed_once(bag) -> Iterator[None]:
    """`dag.test()` parses the whole DAG folder again and re-writes every DAG to the
    database before each run (0.6 s a run, 22 runs a night); the folder does not change
    between the runs of one process, so each run reuses the bag parsed and written once."""
    from unittest import mock

    from airflow.dag_processing import dagbag

    with (
        mock.patch.object(dagbag, "BundleDagBag", return_value=bag),
        mock.patch.object(dagbag, "sync_bag_to_db", return_value=None),
    ):
        yield


def run_dag(bag, dag_id: str, log_dir: Path, conf: dict | None = None) -> Outcome:
    """One DAG run, as `airflow dags test` would do it; its output in log_dir/<dag_id>.log."""
    log_path = log_dir / f"{dag_id}.log"
    started = time.monotonic()
    run_id = ""
    with _output_to(log_path), _parsed_once(bag):
        try:
            run = bag.dags[dag_id].test(run_conf=conf)
            state, run_id = str(run.state), run.run_id
        except Exception as exc:  # reported as the run's failure, with its traceback in the log
            import traceback

            traceback.print_exc()
            state = f"error: {exc}"
    elapsed = time.monotonic() - started
    if not state.endswith("success"):
        return Outcome(dag_id, "FAILED", elapsed, log_path)
    outcome = _recorded_outcome(dag_id, run_id)
    status = f"{outcome['status']} ({outcome['reason']})" if outcome else "ok"
    return Outcome(dag_id, status, elapsed, log_path)


def _recorded_outcome(dag_id: str, run_id: str) -> dict | None:
    """Why the run ended early, as its task recorded it (orchestration.defaults.record_outcome)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from treasury_warehouse.orchestration.defaults import OUTCOME_KEY

    with create_session() as session:
        recorded = session.scalars(XComModel.get_many(run_id=run_id, dag_ids=dag_id, key=OUTCOME_KEY)).all()
        values = [XComModel.deserialize_value(xcom) for xcom in recorded]
    return values[-1] if values else None


def run_dags(
    dag_ids: list[str], log_dir: Path, conf: str | None = None, named: bool = False
) -> tuple[int, list[Outcome]]:
    """Run each DAG in turn and show why any failed; a failed source does not stop the others.

    build_warehouse always runs, as its nightly schedule does: its first task decides
    whether a build is due (something published is not built yet, and a first warehouse
    would have every mart). report_warehouse runs when the published warehouse has no
    report yet (a build was just published), or when the DAGs were ``named``. Returns 1 when any DAG
    failed, after a line naming them."""
    # The ingest DAGs share nothing but the metadata database: they run side by side, as
    # a scheduler runs them; the build and the report wait for them all.
    ingests = [dag_id for dag_id in dag_ids if dag_id.startswith(INGEST_PREFIX)]
    later = [dag_id for dag_id in dag_ids if not dag_id.startswith(INGEST_PREFIX)]
    processes = workers() if len(ingests) > 1 else 1
    log_dir.mkdir(parents=True, exist_ok=True)
    with _output_to(log_dir / "airflow-setup.log"):
        ensure_pool()
        bag = _dag_bag()
        _warm()
    run_conf = json.loads(conf) if conf else None
    outcomes: list[Outcome] = []
    # Whatever publishes a warehouse is followed by its report, as the warehouse Asset
    # triggers it under a scheduler.
    implicit_report = REPORT_DAG not in dag_ids
    with _runner(bag, log_dir, processes) as runner:
        runs = runner.side_by_side(ingests, run_conf)
        for dag_id in [*later, REPORT_DAG] if implicit_report else later:
            runs = _then(runs, dag_id)
        for dag_id, outcome in runs:
            if outcome is None:
                if dag_id == REPORT_DAG and (implicit_report or not named) and not _report_due():
                    if not implicit_report:
                        print(f"{dag_id}: not triggered (the published warehouse has its report)", flush=True)
                    continue
                outcome = runner.one(dag_id, run_conf if dag_id not in (BUILD_DAG, REPORT_DAG) else None)
            outcomes.append(outcome)
            print(summary_line(outcome), flush=True)
            if outcome.failed:
                reason = failure_reason(outcome.log_path.read_text(errors="replace"))
                print(reason + _force_hint(dag_id, reason), file=sys.stderr, flush=True)
    print(f"logs: {log_dir / '<dag_id>.log'}", flush=True)
    failed = [o.dag_id for o in outcomes if o.failed]
    if failed:
        print(f"failed: {', '.join(failed)} (the others ran; see each log)", file=sys.stderr)
        return 1, outcomes
    return 0, outcomes


def summary_line(outcome: Outcome) -> str:
    """The console's line for a DAG run: "<dag_id>: <status> in <seconds>s"."""
    return f"{outcome.dag_id}: {_short(outcome.status)} in {outcome.seconds:.1f}s"


def workers() -> int:
    """How many ingest DAGs run at once (AIRFLOW_WORKERS, as for `make airflow`'s executor)."""
    from treasury_warehouse.orchestration.services import DEFAULT_WORKERS

    return max(1, int(os.environ.get("AIRFLOW_WORKERS", str(DEFAULT_WORKERS))))


def _then(runs: Iterator[tuple[str, Outcome | None]], dag_id: str) -> Iterator[tuple[str, Outcome | None]]:
    yield from runs
    yield dag_id, None  # run by the caller once the runs before it ended


class _InProcess:
    def __init__(self, bag, log_dir: Path) -> None:
        self.bag, self.log_dir = bag, log_dir

    def one(self, dag_id: str, conf: dict | None) -> Outcome:
        return run_dag(self.bag, dag_id, self.log_dir, conf)

    def side_by_side(self, dag_ids: list[str], conf: dict | None) -> Iterator[tuple[str, Outcome | None]]:
        for dag_id in dag_ids:
            yield dag_id, self.one(dag_id, conf)


class _Forked(_InProcess):
    """DAG runs in forked copies of this process (the DAGs parsed, Airflow imported once);
    the DAGs that wait for the others run in one of them too, where Airflow's in-process
    execution API and the pipeline's imports are already warm."""

    def __init__(self, bag, log_dir: Path, executor) -> None:
        super().__init__(bag, log_dir)
        self.executor = executor

    def one(self, dag_id: str, conf: dict | None) -> Outcome:
        return self._outcome(dag_id, self.executor.submit(_run_forked, dag_id, self.log_dir, conf))

    def side_by_side(self, dag_ids: list[str], conf: dict | None) -> Iterator[tuple[str, Outcome | None]]:
        runs = [self.executor.submit(_run_forked, dag_id, self.log_dir, conf) for dag_id in dag_ids]
        for dag_id, run in zip(dag_ids, runs, strict=True):
            yield dag_id, self._outcome(dag_id, run)

    def _outcome(self, dag_id: str, run) -> Outcome:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return run.result()
        except BrokenProcessPool as exc:  # a process died (killed, out of memory): that run failed
            log_path = self.log_dir / f"{dag_id}.log"
            with log_path.open("a") as log:
                print(f"the process running {dag_id} died: {exc}", file=log)
            return Outcome(dag_id, "FAILED", 0.0, log_path)


@contextmanager
def _runner(bag, log_dir: Path, processes: int) -> Iterator[_InProcess]:
    if processes <= 1:
        yield _InProcess(bag, log_dir)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from airflow import settings

    global _FORKED_BAG  # what the forked processes inherit
    _FORKED_BAG = bag
    # No connection or open transaction crosses the fork: each process connects anew.
    settings.Session.remove()
    settings.engine.dispose()
    _wait_for_sqlite_locks(settings.engine)
    # Its processes end when told to (a sentinel), not by SIGTERM: Airflow's task runner
    # leaves a SIGTERM handler in a process that ran a task, which does not exit.
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as executor:
        yield _Forked(bag, log_dir, executor)


_FORKED_BAG = None


def _warm() -> None:
    """Done once, before any run (and so before forking) instead of once per process: the
    imports every task run needs, and Airflow's in-process execution API app, serving one
    version, its routes built (its thread starts in each process, on first use, so no thread
    crosses the fork)."""
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    # Imported for the forked processes: what every ingest run needs. Parsing and the gate
    # (pandas, Great Expectations) are imported by the runs that find a new file.
    import treasury_warehouse.ingest.intake
    import treasury_warehouse.ingest.quarantine  # noqa: F401

    api = in_process_api_server()
    with _current_version_only():
        # Cadwyn builds the served version's routes at the app's first request, 0.6 s in
        # each forked process; built here, every process inherits them.
        if not api.app._cadwyn_initialized:
            api.app._cadwyn_initialize()


@contextmanager
def _current_version_only() -> Iterator[None]:
    """Airflow's in-process execution API, created in this context, serves only the API
    version this installation's task SDK speaks.

    Its app serves every version a worker of an older Airflow might speak (nine), and builds
    their routes on its first request: 5 s in each process, on a night with nothing changed
    a third of the night. The tasks these processes run are this installation's, so they
    speak its newest version (the one version kept) and only that one. When the task SDK and
    the API disagree on the newest version, the app is Airflow's own, with every version."""
    from unittest import mock

    from airflow.api_fastapi.execution_api import routes, versions
    from airflow.sdk.api.datamodels._generated import API_VERSION
    from cadwyn import HeadVersion, Version, VersionBundle
    from cadwyn.route_generation import _DELETED_ROUTE_TAG
    from fastapi.routing import APIRoute

    if versions.bundle.versions[0].value != API_VERSION:
        print(f"the task SDK speaks {API_VERSION}, not the API's newest version: every version is served")
        yield
        return
    # The routes that only older versions have (moved or removed since) are left out too.
    current = copy.copy(routes.execution_api_router)
    current.routes = [
        route
        for route in routes.execution_api_router.routes
        if not (isinstance(route, APIRoute) and _DELETED_ROUTE_TAG in route.tags)
    ]
    with (
        mock.patch.object(versions, "bundle", VersionBundle(HeadVersion(), Version(API_VERSION))),
        mock.patch.object(routes, "execution_api_router", current),
    ):
        yield


def _run_forked(dag_id: str, log_dir: Path, conf: dict | None) -> Outcome:
    return run_dag(_FORKED_BAG, dag_id, log_dir, conf)


def _wait_for_sqlite_locks(engine) -> None:
    """Processes writing one SQLite database wait for each other's lock (30 s, as the local
    scheduler does) instead of failing after SQLite's 5 s."""
    if engine.url.get_backend_name() != "sqlite":
        return
    from sqlalchemy import event

    if not event.contains(engine, "connect", _patient):
        event.listen(engine, "connect", _patient)


def _patient(connection, _record) -> None:
    from treasury_warehouse.orchestration.services import SQLITE_WAIT_S

    connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_WAIT_S * 1000)}")


def _short(status: str, width: int = LINE_WIDTH) -> str:
    return status if len(status) <= width else status[: width - 5].rstrip() + " ...)"


def _force_hint(dag_id: str, reason: str) -> str:
    """How to publish a file that failed only the comparison with the last vintage."""
    if "rule 'vintage_comparison' failed" not in reason:
        return ""
    conf = '\'{"force": true, "reason": "why the revision is right"}\''
    return (
        "\n  if it is a genuine revision (a benchmark, a new survey), publish it with a reason:"
        f"\n  bin/warehouse python -m treasury_warehouse airflow-run {dag_id} --conf {conf}"
    )


def _report_due() -> bool:
    """A warehouse is published (by this run, or before) whose report is not made yet, as
    the warehouse Asset would trigger it."""
    from treasury_warehouse.config import Settings
    from treasury_warehouse.warehouse import builds as warehouse

    current = warehouse.published_build(Settings.from_env())
    return current is not None and not warehouse.sidecar(current, "report").is_dir()


def failure_reason(log: str) -> str:
    """The last pipeline error in a task log with its detail lines, else the log's tail."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if PIPELINE_ERROR.search(line)]
    if not starts:
        return "\n".join(f"  {line}" for line in lines[-TAIL_LINES:])
    first = starts[-1]
    reason = [lines[first][PIPELINE_ERROR.search(lines[first]).start() :]]
    reason += [line for line in lines[first + 1 : first + 1 + TAIL_LINES] if line.startswith("  ")][:3]
    return "\n".join(f"  {_short(LOG_SUFFIX.sub('', line).strip(), LINE_WIDTH)}" for line in reason)
