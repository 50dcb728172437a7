"""What `make run` prints of a failed task: the pipeline's reason, short, and for a file
rejected only by the comparison with the last vintage, the command that publishes it."""

from __future__ import annotations

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
