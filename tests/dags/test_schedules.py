"""Unpausing a DAG starts no run, at any hour: a DAG that never ran takes the next
scheduled time as its first run, even when unpaused just after a scheduled time.

The clock is frozen inside each DAG's would-be window (the first minute after a
scheduled time, and the last minute of the grace Airflow would otherwise give) and the
next run is computed as the dag-processor does it: from the serialized DAG."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronTriggerTimetable
from airflow.serialization.decoders import decode_timetable
from airflow.serialization.encoders import encode_timetable
from airflow.serialization.serialized_objects import DagSerialization, LazyDeserializedDAG
from airflow.timetables.base import TimeRestriction
from croniter import croniter

from treasury_warehouse.orchestration import defaults as orchestration

# Monday 2026-12-07, so that a weekly (Monday) DAG's scheduled time falls on it too.
MONDAY = pendulum.datetime(2026, 12, 7, 23, 59, tz="UTC")


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))


def _cron_of(dag) -> str | None:
    timetable = dag.timetable
    timetable = getattr(timetable, "timetable", timetable)  # AssetOrTimeSchedule wraps one
    return getattr(timetable, "expression", None)


def _windows(expression: str) -> list[pendulum.DateTime]:
    """Instants just after a scheduled time, and at the end of Airflow's default grace."""
    tick = pendulum.instance(croniter(expression, MONDAY).get_prev(type(MONDAY)))
    gap = pendulum.instance(croniter(expression, tick).get_next(type(MONDAY))) - tick
    grace = max(gap / 10, timedelta(minutes=5))
    return [tick + timedelta(seconds=1), tick + timedelta(minutes=1), tick + grace - timedelta(minutes=1)]


def _next_run_at(dag_or_timetable, now: pendulum.DateTime, monkeypatch: pytest.MonkeyPatch):
    import airflow.timetables.trigger

    monkeypatch.setattr(airflow.timetables.trigger, "utcnow", lambda: now)
    if isinstance(dag_or_timetable, CronTriggerTimetable):
        timetable = decode_timetable(encode_timetable(dag_or_timetable))  # as the scheduler reads it
        info = timetable.next_dagrun_info(
            last_automated_data_interval=None, restriction=TimeRestriction(earliest=None, latest=None, catchup=False)
        )
    else:
        lazy = LazyDeserializedDAG(data=DagSerialization.to_dict(dag_or_timetable))
        info = lazy.next_dagrun_info(last_automated_run_info=None)
    return info.run_after


def test_every_scheduled_dag_unpaused_inside_its_window_waits_for_its_next_time(
    dagbag: DagBag, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled = {dag_id: _cron_of(dag) for dag_id, dag in dagbag.dags.items() if _cron_of(dag)}
    # Every ingest DAG and the build run on a clock; the report only on the build's Asset.
    assert set(scheduled) == set(dagbag.dag_ids) - {"report_warehouse"}
    for dag_id, expression in scheduled.items():
        for now in _windows(expression):
            run_after = _next_run_at(dagbag.dags[dag_id], now, monkeypatch)
            assert run_after > now, f"{dag_id} unpaused at {now} would start the {run_after} run at once"
            assert run_after == pendulum.instance(croniter(expression, now).get_next(type(now)))


def test_airflows_run_immediately_false_would_start_the_past_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The behaviour guarded against: the setting that reads as 'never' does not mean it."""
    expression = orchestration.cron("nightly")
    now = _windows(expression)[1]
    past = _next_run_at(CronTriggerTimetable(expression, timezone="UTC", run_immediately=False), now, monkeypatch)
    assert past < now
    ours = _next_run_at(orchestration.timetable("nightly"), now, monkeypatch)
    assert ours > now


def test_schedules_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert orchestration.cron("nightly") == "30 3 * * *"
    assert orchestration.cron("weekly") == "30 4 * * 1"
    assert orchestration.cron("build") == "0 6 * * *"
    monkeypatch.setenv("SCHEDULE_NIGHTLY", "15 2 * * *")
    assert orchestration.timetable("nightly").expression == "15 2 * * *"
