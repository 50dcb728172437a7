"""Command line: ``python -m treasury_warehouse <command>``.

dags            ingest DAG ids, one a line
airflow-run     run DAGs in order under Airflow (`airflow dags test`), as `make run` does
ingest NAME     run one source's ingest steps without Airflow
build           dbt build, audit and publish without Airflow (--force: even with fewer marts)
summary         the published warehouse's path and what it holds
answers         the headline questions answered from the marts, beside the published figures
report          draw the report (charts and sentences) from the published warehouse again
rollback        publish the build before the current one
builds          the kept builds, the published one marked
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import PipelineError
from treasury_warehouse.sources import SOURCES


def ingest_dag_ids() -> list[str]:
    return [f"ingest_{name}" for name in SOURCES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m treasury_warehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dags")
    airflow_run = commands.add_parser("airflow-run")
    airflow_run.add_argument("dag_ids", nargs="*", help="default: every ingest DAG, then build_warehouse")
    airflow_run.add_argument("--conf", help="run configuration as JSON, e.g. '{\"force\": true}' for ingest DAGs")
    ingest = commands.add_parser("ingest")
    ingest.add_argument("name", choices=sorted(SOURCES))
    ingest.add_argument("--force", action="store_true", help="publish a file that fails only the vintage comparison")
    ingest.add_argument("--reason", default="", help="why (required with --force); recorded beside the vintage")
    build = commands.add_parser("build")
    build.add_argument(
        "--force", action="store_true", help="publish whatever is built, even fewer marts than the published build"
    )
    for name in ("summary", "rollback", "builds", "report"):
        commands.add_parser(name)
    answers = commands.add_parser("answers")
    answers.add_argument("--year", type=int, default=2025, help="the year the flows questions ask about")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        return _run(args, settings)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from treasury_warehouse import warehouse

    if args.command == "dags":
        print("\n".join(ingest_dag_ids()))
    elif args.command == "airflow-run":
        from treasury_warehouse.airflow_cli import run_dags

        # The build DAG decides for itself whether a build is due; the report runs after a
        # publication, as the warehouse Asset would trigger it, or when named.
        dag_ids = args.dag_ids or [*ingest_dag_ids(), "build_warehouse", "report_warehouse"]
        code, _ = run_dags(dag_ids, settings.data_dir / "logs", conf=args.conf, named=bool(args.dag_ids))
        return code
    elif args.command == "ingest":
        from treasury_warehouse.pipeline import ingest

        if args.force and not args.reason.strip():
            print("error: --force needs --reason: why is this file right although it differs?", file=sys.stderr)
            return 2
        print(json.dumps(ingest(args.name, settings, args.reason if args.force else None), indent=2))
    elif args.command == "build":
        from treasury_warehouse.quarantine import held_back

        try:
            built = warehouse.build(settings, partial=args.force)
        except warehouse.NotReady as exc:
            print(f"no build: {exc} (or build what there is: build --force)", file=sys.stderr)
            return 3
        accepted = warehouse.accept(built)
        warehouse.publish(settings, accepted)
        print(warehouse.summary_line(settings))
        for held in held_back(accepted):
            print(f"error: {held.message}", file=sys.stderr)
        return 1 if held_back(accepted) else 0
    elif args.command == "summary":
        if not settings.warehouse_path.exists():
            print(f"no warehouse published yet at {settings.warehouse_path}", file=sys.stderr)
            return 1
        print(f"published warehouse: {warehouse.summary_line(settings)}")
        for line in warehouse.freshness_lines(settings):
            print(line)
        print(f"Parquet exports of the marts: {settings.exports_dir}")
        print(f"dbt docs (lineage, columns, tests): {warehouse.docs_path(settings)}")
        for index in sorted(settings.quality_dir.glob("*/gx/uncommitted/data_docs/local_site/index.html")):
            print(f"Great Expectations Data Docs ({index.parents[4].name}): {index}")
        report = warehouse.report_path(settings)
        print(f"report (charts and sentences): {report if report.exists() else 'not made yet: make report'}")
    elif args.command == "answers":
        from treasury_warehouse.answers import answers, render

        if not settings.warehouse_path.exists():
            print(f"no warehouse published yet at {settings.warehouse_path}", file=sys.stderr)
            return 1
        print(render(answers(settings.warehouse_path, args.year)))
    elif args.command == "report":
        from treasury_warehouse.report import build_report

        print(f"report: {build_report(settings)}")
    elif args.command == "rollback":
        restored = warehouse.rollback(settings)
        print(f"published {restored.name} again: {warehouse.summary_line(settings)}")
    elif args.command == "builds":
        current = warehouse.published_build(settings)
        for path in warehouse.builds(settings):
            print(("* " if path == current else "  ") + str(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
