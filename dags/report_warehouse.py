"""Airflow DAG that writes the nightly report whenever a warehouse is published.

It is scheduled on the Asset the build DAG's publish task updates. The report is drawn
from the published warehouse into that build's folder and then published beside it
(``data/report``), so it always describes the warehouse BI tools read. A failure here
never touches the published warehouse: the task fails and alerts, and the last report
stays where it was.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from treasury_warehouse.orchestration.defaults import DEFAULT_ARGS, warehouse_asset


@dag(
    dag_id="report_warehouse",
    description="Charts and sentences from the published marts: one HTML page, SVG and PNG",
    schedule=[warehouse_asset()],
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 0},
    tags=["warehouse", "report"],
)
def report_warehouse():
    @task
    def render() -> str:
        import json

        from treasury_warehouse.config import Settings
        from treasury_warehouse.report.nightly import build_report

        page = build_report(Settings.from_env())
        summary = json.loads((page.parent / "report.json").read_text())
        for name, chart in summary["charts"].items():
            print(f"{name}: MISSING: {chart['missing']}" if chart["missing"] else f"{name}: {chart['title']}")
        for sentence in summary["sentences"]:
            print(f"- {sentence['text']}")
        print(f"report: {page}")
        return str(page)

    @task(retries=2)
    def send_digest() -> str:
        """What the published build brings, sent once through the Airflow connection
        warehouse_digest (a chat webhook or e-mail); without one, in this log only."""
        from treasury_warehouse.config import Settings
        from treasury_warehouse.orchestration.digest import channel_from_airflow, deliver

        how = deliver(Settings.from_env(), channel_from_airflow())
        print(f"digest: {how}")
        return how

    render() >> send_digest()


report_warehouse()
