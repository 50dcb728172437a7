"""Command line: ``python -m treasury_warehouse <command>``.

dags            ingest DAG ids, one a line
airflow-run     run DAGs in order under Airflow (`airflow dags test`), as `make run` does
airflow         the local Airflow (api-server, scheduler, dag-processor) until stopped
ingest NAME     run one source's ingest steps without Airflow
build           dbt build, audit and publish without Airflow (--force: even with fewer marts;
                --full: rebuild every model, not only what depends on new vintages)
summary         the published warehouse's path and what it holds
answers         the headline questions answered from the marts, beside the published figures
report          draw the report (charts and sentences) from the published warehouse again
rollback        publish the build before the published one, and hold it (builds wait)
rollforward     publish the build after the published one (the newest ends the hold)
release         end a hold: the next build publishes as usual
builds          the kept builds, the published one marked
serve           copy the published build into the serving database (Postgres; SERVING_DSN) and publish it there
serve-init      create the serving database and its roles (run once, as a Postgres administrator)
parse           parse the dbt project as a build does and keep the parse with the project, where a
                new data folder's first build starts from it (make install runs it)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from treasury_warehouse import exit_process
from treasury_warehouse.config import Settings
from treasury_warehouse.errors import PipelineError
from treasury_warehouse.ingest.sources import SOURCES
from treasury_warehouse.orchestration import services as local_airflow


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
    local = commands.add_parser("airflow")
    local.add_argument("--host", default=os.environ.get("AIRFLOW_HOST") or local_airflow.DEFAULT_HOST)
    local.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT") or local_airflow.DEFAULT_PORT))
    local.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("AIRFLOW_WORKERS") or local_airflow.DEFAULT_WORKERS),
        help="LocalExecutor worker processes (tasks at once)",
    )
    local.add_argument(
        "--triggerer", action="store_true", default=bool(os.environ.get("AIRFLOW_TRIGGERER")), help="a triggerer too"
    )
    ingest = commands.add_parser("ingest")
    ingest.add_argument("name", choices=sorted(SOURCES))
    ingest.add_argument("--force", action="store_true", help="publish a file that fails only the vintage comparison")
    ingest.add_argument("--reason", default="", help="why (required with --force); recorded beside the vintage")
    build = commands.add_parser("build")
    build.add_argument(
        "--force", action="store_true", help="publish whatever is built, even fewer marts than the published build"
    )
    build.add_argument(
        "--full", action="store_true", help="rebuild every model, carrying nothing over from the published build"
    )
    summary = commands.add_parser("summary")
    summary.add_argument("--marts", action="store_true", help="each mart's rows and latest month too")
    for name in ("rollback", "rollforward", "release", "builds", "report", "serve", "parse"):
        commands.add_parser(name)
    serve_init = commands.add_parser(
        "serve-init",
        description="Passwords from the environment: SERVING_ADMIN_PASSWORD (the administrator's), "
        "SERVING_PASSWORD (the writer's) and BI_READER_PASSWORD (the BI tools' role).",
    )
    serve_init.add_argument("--admin-dsn", required=True, help="libpq string of an administrator, no password")
    serve_init.add_argument("--database", default="warehouse")
    answers = commands.add_parser("answers")
    answers.add_argument("--year", type=int, default=2025, help="the year the flows questions ask about")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    _log_to(settings.data_dir / "logs" / f"{args.command}.log")
    try:
        return _run(args, settings)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _log_to(path: Path) -> None:
    """Warnings on the terminal; everything (dbt's output, each library's INFO) in path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    detail = logging.FileHandler(path, mode="w")
    detail.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[console, detail], force=True)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from treasury_warehouse.warehouse import builds as warehouse

    if args.command == "dags":
        print("\n".join(ingest_dag_ids()))
    elif args.command == "airflow-run":
        from treasury_warehouse.orchestration.runner import run_dags

        # The build DAG decides for itself whether a build is due; the report runs after a
        # publication, as the warehouse Asset would trigger it, or when named.
        dag_ids = args.dag_ids or [*ingest_dag_ids(), "build_warehouse", "report_warehouse"]
        code, _ = run_dags(dag_ids, settings.data_dir / "logs", conf=args.conf, named=bool(args.dag_ids))
        return code
    elif args.command == "airflow":
        options = local_airflow.Options(args.host, args.port, args.workers, args.triggerer)
        home = os.environ.get("AIRFLOW_HOME", "airflow")
        return local_airflow.serve(options, Path(home) / "logs" / "services")
    elif args.command == "ingest":
        from treasury_warehouse.ingest.pipeline import ingest

        if args.force and not args.reason.strip():
            print("error: --force needs --reason: why is this file right although it differs?", file=sys.stderr)
            return 2
        print(json.dumps(ingest(args.name, settings, args.reason if args.force else None), indent=2))
    elif args.command == "build":
        from treasury_warehouse.ingest.quarantine import held_back

        try:
            built = warehouse.build(settings, partial=args.force, full=args.full)
        except warehouse.NotReady as exc:
            hint = "" if warehouse.hold_of(settings) else " (or build what there is: build --force)"
            print(f"no build: {exc}{hint}", file=sys.stderr)
            return 3
        accepted = warehouse.accept(built)
        warehouse.publish(settings, accepted)
        print(f"published: {warehouse.summary_line(settings)}")
        _report(settings)
        _serve(settings)
        for held in held_back(accepted):
            print(f"error: {held.message}", file=sys.stderr)
        return 1 if held_back(accepted) else 0
    elif args.command == "parse":
        print(f"dbt project parsed: {warehouse.parse_project(settings)}")
    elif args.command == "summary":
        if not settings.warehouse_path.exists():
            print(f"no warehouse published yet at {settings.warehouse_path}", file=sys.stderr)
            return 1
        print(f"published warehouse: {warehouse.summary_line(settings)}")
        if args.marts:
            print("\n".join(warehouse.mart_lines(settings)))
        held = warehouse.hold_of(settings)
        if held is not None:
            print(held.reason(len(warehouse.changed_since(settings, warehouse.published_build(settings)))))
        for line in warehouse.freshness_lines(settings):
            print(line)
        report = warehouse.report_path(settings)
        print(f"report (charts and sentences): {report if report.exists() else 'not made yet: make report'}")
        docs = sorted(settings.quality_dir.glob("*/gx/uncommitted/data_docs/local_site/index.html"))
        gx = settings.quality_dir / "<source>" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        data_docs = f"; Data Docs ({len(docs)} sources) {gx}" if docs else ""
        print(f"docs: dbt {warehouse.docs_path(settings)}{data_docs}")
        print(f"for BI tools (marts and meta alone): {settings.bi_path}")
        print(f"Parquet exports of the marts: {settings.exports_dir}")
    elif args.command == "answers":
        from treasury_warehouse.report.answers import answers, render

        if not settings.warehouse_path.exists():
            print(f"no warehouse published yet at {settings.warehouse_path}", file=sys.stderr)
            return 1
        print(render(answers(settings.warehouse_path, args.year)))
    elif args.command == "report":
        from treasury_warehouse.report.nightly import build_report

        print(f"report: {build_report(settings)}")
    elif args.command in ("rollback", "rollforward"):
        switch = warehouse.rollback(settings) if args.command == "rollback" else warehouse.rollforward(settings)
        print(switch.line(settings))
        _report(settings)
        _serve(settings)
    elif args.command == "release":
        held = warehouse.release(settings)
        print(
            f"released {held.build} (published by {held.by} on {held.at}): the next build publishes as usual"
            if held
            else "nothing was held"
        )
    elif args.command == "serve":
        if not _serve(settings):
            print("serving database: off (set SERVING_DSN to serve the marts from Postgres)", file=sys.stderr)
            return 2
    elif args.command == "serve-init":
        from treasury_warehouse.warehouse import serve

        needed = ("SERVING_ADMIN_PASSWORD", "SERVING_PASSWORD", "BI_READER_PASSWORD")
        if missing := [name for name in needed if not os.environ.get(name)]:
            print(f"error: set {', '.join(missing)}", file=sys.stderr)
            return 2
        admin = serve.Serving(args.admin_dsn, os.environ["SERVING_ADMIN_PASSWORD"])
        for line in serve.init(
            admin, os.environ["SERVING_PASSWORD"], os.environ["BI_READER_PASSWORD"], database=args.database
        ):
            print(line)
    elif args.command == "builds":
        current = warehouse.published_build(settings)
        held = warehouse.hold_of(settings)
        for path in warehouse.builds(settings):
            mark = "* " if path == current else "  "
            note = f"  (held since {held.at}, by {held.by})" if held and path == current else ""
            print(f"{mark}{warehouse.build_id(path)}{note}")
    return 0


def _serve(settings: Settings) -> bool:
    """Serve the published build from Postgres too, when a serving database is set."""
    from treasury_warehouse.warehouse import builds as warehouse
    from treasury_warehouse.warehouse import serve

    serving = serve.Serving.from_env()
    current = warehouse.published_build(settings)
    if serving is None or current is None:
        return False
    print(serve.serve(serving, current).line())
    return True


def _report(settings: Settings) -> None:
    """Every publication shows its own report: the build's, drawn now if it has none."""
    from treasury_warehouse.report.nightly import build_report
    from treasury_warehouse.warehouse import builds as warehouse

    current = warehouse.published_build(settings)
    if current is not None and not warehouse.sidecar(current, "report").is_dir():
        build_report(settings, current)
    print(f"report: {warehouse.report_path(settings)}")


if __name__ == "__main__":
    exit_process(main())
