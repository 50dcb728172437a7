"""Airflow ingest DAGs, one per source in the registry: fetch -> land -> parse -> gate -> publish.

The DAGs are generated from ``treasury_warehouse.ingest.sources.SOURCES``; adding a source adds
a DAG here without a new file. Tasks import the pipeline lazily so that parsing this
file stays cheap. A parse or quality-gate failure is a data problem, not a transient
one: it fails the task at once, without retries, and nothing is published.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowFailException

from treasury_warehouse.ingest.sources import SOURCES, Source
from treasury_warehouse.orchestration.defaults import (
    DEFAULT_ARGS,
    FETCH_RETRIES,
    FETCH_RETRY_DELAY,
    FETCH_TIMEOUT,
    record_outcome,
    source_asset,
    timetable,
)


def _api_key(source: Source) -> str | None:
    """A keyed source's key from its Airflow connection, when the environment has none."""
    import os

    if not source.api_key_connection or (source.api_key_env and os.environ.get(source.api_key_env)):
        return None
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        return Connection.get(source.api_key_connection).password or None
    except (AirflowNotFoundException, AirflowRuntimeError):
        return None


def build_ingest_dag(source: Source):
    @dag(
        dag_id=f"ingest_{source.name}",
        description=f"Land, gate and publish {source.title}",
        # No start date and no first-run grace: unpausing a DAG starts nothing; its first
        # run is at the next scheduled time (trigger the DAGs to fill a new deployment now).
        schedule=timetable(source.schedule),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["ingest", source.publisher, source.name],
        params={
            "force": Param(
                False,
                type="boolean",
                description="Parse, gate and publish even if this exact file is already published "
                "(after a parser or suite fix); the build runs again. With a reason, a file that fails "
                "only the comparison with the last published vintage (a benchmark revision) is published",
            ),
            "reason": Param(
                "",
                type="string",
                description="Why a forced file that differs from the published vintage is right; recorded "
                "beside the vintage",
            ),
        },
        doc_md=f"**{source.title}**\n\nPublisher URL: {source.url}\n\n"
        f"Mirror path: `$SOURCE_MIRROR/{source.publisher}/{source.file_name}`\n\n"
        f"dbt staging model: `{source.staging_model}`",
    )
    def ingest():
        # multiple_outputs=False: a task annotated `-> dict` would also push each key as an
        # XCom of its own, one execution-API request each (33 a run); the next task reads the dict.
        @task(
            multiple_outputs=False,
            retries=FETCH_RETRIES,
            retry_delay=FETCH_RETRY_DELAY,
            retry_exponential_backoff=False,
            execution_timeout=FETCH_TIMEOUT,
        )
        def fetch_and_land() -> dict:
            from treasury_warehouse.config import Settings
            from treasury_warehouse.errors import FetchError, LandingError, SourceNotConfigured
            from treasury_warehouse.ingest.fetch import is_permanent
            from treasury_warehouse.ingest.intake import fetch_and_land

            try:
                return fetch_and_land(source.name, Settings.from_env(), api_key=_api_key(source))
            except SourceNotConfigured as exc:
                return {"not_configured": str(exc)}
            except FetchError as exc:
                if is_permanent(exc):  # retrying will not make a 404 appear
                    raise AirflowFailException(str(exc)) from exc
                raise
            except LandingError as exc:
                raise AirflowFailException(str(exc)) from exc

        @task.short_circuit
        def changed(landed: dict, **context) -> bool:
            """A file already gated and published is not processed again: no Asset event, no
            build, unless the run is forced (params.force). Nor is a source that is not
            configured (a keyed API without its key): the run says why and ends."""
            from treasury_warehouse.config import Settings
            from treasury_warehouse.ingest.intake import is_published
            from treasury_warehouse.ingest.quarantine import quarantined

            if "not_configured" in landed:
                record_outcome(context, "skipped", str(landed["not_configured"]))
                return False
            if context["params"]["force"]:
                print(f"forced: {source.name} sha256 {landed['sha256']} is processed whether published or not")
                return True
            settings = Settings.from_env()
            if is_published(source.name, str(landed["sha256"]), settings):
                print(f"{source.name} sha256 {landed['sha256']} is already published")
                record_outcome(context, "unchanged", "already published; nothing to do")
                return False
            held = quarantined(settings, source.name, str(landed["sha256"]))
            if held:
                record_outcome(context, "unchanged", f"quarantined: {held}")
                return False
            return True

        @task(retries=0, multiple_outputs=False)
        def parse(landed: dict) -> dict:
            from treasury_warehouse.config import Settings
            from treasury_warehouse.errors import LandingError, ParseError
            from treasury_warehouse.ingest.pipeline import parse_landed

            try:
                return parse_landed(source.name, str(landed["path"]), Settings.from_env())
            except (ParseError, LandingError) as exc:
                raise AirflowFailException(str(exc)) from exc

        @task(retries=0, multiple_outputs=False)
        def validate(parsed: dict, **context) -> dict:
            from treasury_warehouse.config import Settings
            from treasury_warehouse.errors import ValidationFailed
            from treasury_warehouse.ingest.pipeline import validate_candidate

            params = context["params"]
            reason = params.get("reason") if params.get("force") else None
            try:
                return validate_candidate(source.name, parsed, Settings.from_env(), force_reason=reason)
            except ValidationFailed as exc:
                raise AirflowFailException(str(exc)) from exc

        @task(outlets=[source_asset(source)], multiple_outputs=False)
        def publish(validated: dict) -> dict:
            from treasury_warehouse.config import Settings
            from treasury_warehouse.ingest.pipeline import publish_candidate

            return publish_candidate(source.name, validated, Settings.from_env())

        landed = fetch_and_land()
        gate = changed(landed)
        parsed = parse(landed)
        gate >> parsed
        publish(validate(parsed))

    return ingest()


for _source in SOURCES.values():
    globals()[f"ingest_{_source.name}"] = build_ingest_dag(_source)
