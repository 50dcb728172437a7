"""What `make run` prints of a failed task: the pipeline's reason, short, and for a file
rejected only by the comparison with the last vintage, the command that publishes it; and
the execution API its DAG runs talk to."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import new_deployment

from treasury_warehouse.orchestration.runner import LINE_WIDTH, _force_hint, failure_reason

REJECTED = """\
[2026-12-06T05:00:00.000+0000] {taskinstance.py:1} INFO - starting validate
Traceback (most recent call last):
airflow.sdk.exceptions.AirflowFailException: [fred_iipusnetiq] IIPUSNETIQ.csv (sha256 a014a7128eba): \
rule 'vintage_comparison' failed: 1 of 4 expectations failed: [airflow.task] loc=taskinstance.py:9
  revisions_vs_published: expect_column_values_to_be_in_set(column='within', value_set=[True]) failed on 10 row(s); \
first rows: [{'within': False, 'column': 'value', 'series_id': 'IIPUSNETIQ', 'observation_date': '2020-01-01', \
'published': -12558279.0, 'new': -10802746.0}, {'within': False, 'column': 'value'}]
compared with the published vintage=2022-06-01__aaaa.parquet. If this is a genuine revision ...
"""


def test_a_rejected_revision_says_how_to_publish_it_with_a_reason() -> None:
    reason = failure_reason(REJECTED)
    hint = _force_hint("ingest_fred_iipusnetiq", reason)

    assert reason.splitlines()[0].startswith("  [fred_iipusnetiq] IIPUSNETIQ.csv (sha256 a014a7128eba): rule")
    assert "loc=" not in reason
    assert all(len(line) <= LINE_WIDTH + 2 for line in reason.splitlines())
    assert "expect_column_values_to_be_in_set(column='within'" in reason
    assert (
        "bin/warehouse python -m treasury_warehouse airflow-run ingest_fred_iipusnetiq "
        """--conf '{"force": true, "reason": "why the revision is right"}'"""
    ) in hint


def test_other_failures_get_no_force_hint() -> None:
    gate = REJECTED.replace("vintage_comparison", "expectation_suite")
    assert _force_hint("ingest_fred_iipusnetiq", failure_reason(gate)) == ""


# A variable the database does not hold, asked for in the version the task SDK speaks and in
# the first version Airflow 3 shipped, from the in-process API that `airflow-run` sets up.
ASK_BOTH_VERSIONS = """
import json
import httpx
from airflow.sdk.api.datamodels._generated import API_VERSION
from airflow.sdk.execution_time.supervisor import in_process_api_server
from treasury_warehouse.orchestration import runner

runner._warm()
api = in_process_api_server()
routes_built_before_a_request = api.app._cadwyn_initialized
client = httpx.Client(transport=api.transport, base_url="http://in-process.invalid./")
answers = {
    version: client.get("variables/no_such_variable", headers={"Airflow-API-Version": version}).json()
    for version in (API_VERSION, "2025-04-28")
}
served = [version.value for version in api.app.versions.versions]
print(json.dumps({"task_sdk": API_VERSION, "served": served, "answers": answers,
                  "routes_built": routes_built_before_a_request}))
"""


def test_the_runs_execution_api_serves_only_the_version_its_tasks_speak(tmp_path: Path, airflow_db: Path) -> None:
    """Every version would cost each DAG process 5 s of route building at its first request;
    the one version's routes are built once, before the runs' processes fork."""
    output = new_deployment(tmp_path, airflow_db).python(ASK_BOTH_VERSIONS)
    facts = json.loads(output.strip().splitlines()[-1])
    current, first = facts["answers"][facts["task_sdk"]], facts["answers"]["2025-04-28"]
    assert facts["served"] == [facts["task_sdk"]]
    # Built before any request, so before the runs' processes fork: they inherit the routes.
    assert facts["routes_built"] is True
    # The current version's route answers (the variable is missing); the old one has no route.
    assert current["detail"]["message"] == "Variable with key 'no_such_variable' not found", current
    assert first == {"detail": "Not Found"}, first
