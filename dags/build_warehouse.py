"""Airflow DAG that rebuilds the warehouse whenever any published source Asset updates.

dbt builds into a new DuckDB file, the audit checks it read-only, and only then is it
swapped in for the published file, so BI readers never see half a build and never
block it. dbt runs as one `dbt build` (see the README on why not one task per model);
the task log lists every model, seed and test with its status and time, and the run's
dbt docs page is published with the build. Writers share a one-slot pool.

It also runs every night after the ingests (Airflow's asset-or-time schedule), so a
source event that no run picked up is built that night. Its first task decides whether
a build is due: not while a first warehouse would lack a mart (the run ends, saying
which sources it waits for, with no failure and no alert), not when the published
warehouse was built from every published vintage. ``force`` builds whatever is there.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import AssetAny, AssetOrTimeSchedule, Param, dag, task

from treasury_warehouse.ingest.sources import SOURCES
from treasury_warehouse.orchestration.defaults import (
    DEFAULT_ARGS,
    NIGHTLY_BUILD,
    WAREHOUSE_POOL,
    FailureNotifier,
    record_outcome,
    source_asset,
    timetable,
    warehouse_asset,
)


def _serving():
    """The serving database from the environment, its writer's password from there or from
    the Airflow connection warehouse_serving (host, port, schema = database, login, password)."""
    from treasury_warehouse.warehouse.serve import Serving

    from_env = Serving.from_env()
    if from_env is not None:
        return from_env
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        connection = Connection.get("warehouse_serving")
    except (AirflowNotFoundException, AirflowRuntimeError):
        return None
    dsn = f"host={connection.host} port={connection.port or 5432} dbname={connection.schema or 'warehouse'}"
    return Serving(f"{dsn} user={connection.login}", connection.password or None)


@dag(
    dag_id="build_warehouse",
    description="dbt build into a new file, audit, publish atomically",
    schedule=AssetOrTimeSchedule(
        timetable=timetable(NIGHTLY_BUILD),
        assets=AssetAny(*(source_asset(s) for s in SOURCES.values())),
    ),
    catchup=False,
    # A build waiting on a missing pool (or anything else) ends failed, with an alert.
    dagrun_timeout=timedelta(hours=3),
    on_failure_callback=FailureNotifier(),
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1, "execution_timeout": timedelta(minutes=60)},
    tags=["warehouse", "dbt"],
    params={
        "force": Param(
            False,
            type="boolean",
            description="Build and publish whatever is published, even a warehouse with fewer marts than "
            "the published one, or a first one while sources are still missing",
        ),
        "full": Param(
            False,
            type="boolean",
            description="Rebuild every model; by default a build rebuilds what depends on the sources with "
            "new vintages and carries every other relation over from the published build",
        ),
    },
)
def build_warehouse():
    @task.short_circuit(retries=0)
    def due(**context) -> bool:
        """End the run here, successfully, when there is nothing to build or a first
        warehouse would lack a mart; the log says which sources it waits for."""
        from treasury_warehouse.config import Settings
        from treasury_warehouse.warehouse.builds import plan

        verdict = plan(Settings.from_env(), force=bool(context["params"]["force"]))
        if verdict.due:
            print(f"build: {verdict.reason}")
        else:
            record_outcome(context, "no build", verdict.reason)
        return verdict.due

    @task(retries=0, pool=WAREHOUSE_POOL)
    def dbt_build(**context) -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        from treasury_warehouse.config import Settings
        from treasury_warehouse.warehouse.builds import NotReady, build, node_results

        try:
            params = context["params"]
            build_path = build(Settings.from_env(), partial=bool(params["force"]), full=bool(params.get("full")))
        except NotReady as exc:  # a source was unpublished (quarantined) since `due`
            record_outcome(context, "no build", str(exc))
            raise AirflowSkipException(f"no build: {exc}") from exc
        nodes = node_results(build_path)
        print(f"dbt build: {len(nodes)} nodes; slowest:")
        for node in nodes[:5]:
            print(f"  {node.seconds:6.2f}s {node.unique_id}")
        return str(build_path)

    @task(retries=0)
    def audit(build_path: str) -> str:
        from pathlib import Path

        from treasury_warehouse.warehouse.builds import accept, audit

        accepted = accept(Path(build_path))  # a failed audit deletes the candidate
        for mart in audit(accepted):
            print(f"{mart.name}: {mart.rows} rows, latest month {mart.latest_month}")
        return str(accepted)

    @task(pool=WAREHOUSE_POOL, outlets=[warehouse_asset()])
    def publish(build_path: str) -> str:
        from pathlib import Path

        from treasury_warehouse.config import Settings
        from treasury_warehouse.warehouse.builds import docs_path, freshness_lines, publish, summary_line

        settings = Settings.from_env()
        publish(settings, Path(build_path))  # the warehouse, its Parquet exports and docs, together
        line = summary_line(settings)
        print(line)
        for freshness in freshness_lines(settings):
            print(freshness)
        print(f"dbt docs: {docs_path(settings)}")
        print(f"Parquet exports of the marts: {settings.exports_dir}")
        return build_path

    @task(retries=0)
    def quarantined_vintages(build_path: str) -> None:
        """Fail loudly, after the good build is published, if it went ahead without a new
        vintage that broke the first attempt: the alert names the file and the dbt tests."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowFailException

        from treasury_warehouse.ingest.quarantine import held_back

        held = held_back(Path(build_path))
        if held:
            raise AirflowFailException("\n".join(h.message for h in held))
        print("no vintage was held back")

    @task(retries=1, pool=WAREHOUSE_POOL)
    def serve(build_path: str) -> str | None:
        """Copy the published build into the serving database (Postgres) and publish it
        there, when one is set (SERVING_DSN, or the Airflow connection warehouse_serving)."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowSkipException

        from treasury_warehouse.warehouse.serve import serve

        serving = _serving()
        if serving is None:
            raise AirflowSkipException("serving database: off (set SERVING_DSN to serve the marts from Postgres)")
        served = serve(serving, Path(build_path))
        print(served.line())
        return served.build

    built = dbt_build()
    due() >> built
    published = publish(audit(built))
    quarantined_vintages(published)
    serve(published)


build_warehouse()
