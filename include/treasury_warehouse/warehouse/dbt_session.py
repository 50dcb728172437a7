"""One dbt process per build: parse once, then source freshness, build and docs.

Each dbt command run as its own process pays dbt's start-up and a parse of the project
(about 5 s each, 20 s of a build that does 8 s of work). Here one child process parses
the project once (partially: from the previous build's parse, or in a new data folder from the
project's own parse that `make install` makes) and runs the three
commands on that manifest through dbt's Python entry point (``dbtRunner``). It is still
a child process, so no DuckDB lock or dbt global state outlives the build.

The build's facts (meta.meta_build, meta.meta_sources) depend on the freshness verdicts,
so they are computed between the two commands and handed to the models through the
environment (``WAREHOUSE_BUILD_FACTS``, read by the macros in sql_literal.sql) rather than
as ``--vars``, which would change the parse and force a full one every build.

    python -m treasury_warehouse.warehouse.dbt_session '{"build_path": ..., "data_dir": ..., "select": [...],
                                                "exclude": [...], "docs": true, "carry": {...}}'

``select`` empty builds everything; ``carry`` (the published build the file was copied from
and the sources rebuilt) goes into meta.meta_build; without ``docs`` the docs page is not
generated (the caller keeps the previous one: same project, same relations).
The last line of output is a JSON verdict: ``{"ok": true}``, or the step that failed
(``{"failed": "build"}``), or a pipeline error (``{"error": [source, file, rule, detail]}``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

from treasury_warehouse import exit_process

FACTS_ENV = "WAREHOUSE_BUILD_FACTS"


def _verdict(**fields: object) -> None:
    sys.stdout.flush()
    print(json.dumps(fields), flush=True)


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    from treasury_warehouse.config import Settings
    from treasury_warehouse.errors import PipelineError
    from treasury_warehouse.warehouse import builds as warehouse

    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    spec = json.loads(argv[0])
    build_path, excluded = Path(spec["build_path"]), spec.get("exclude") or []
    selection = (["--select", *spec["select"]] if spec.get("select") else []) + (
        ["--exclude", *excluded] if excluded else []
    )
    # The caller's settings, which a test or a bench may have set apart from the environment.
    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=Path(spec["data_dir"]),
        dbt_project_dir=Path(spec["dbt_project_dir"]),
        **({"warehouse_path": Path(spec["warehouse_path"])} if spec.get("warehouse_path") else {}),
    )
    project = ["--project-dir", str(settings.dbt_project_dir)]
    os.environ.pop(FACTS_ENV, None)  # parsed without facts, every build alike: partial parsing holds
    _start_from_project_parse(settings)
    parsed = dbtRunner().invoke(["parse", *project])
    if not parsed.success:
        _verdict(failed="parse")
        return 1
    dbt = dbtRunner(manifest=parsed.result)
    # Warns in the log and in meta.meta_sources; never fails the build.
    freshness_selection = ["--exclude", *excluded] if excluded else []
    freshness = dbt.invoke(["source", "freshness", *freshness_selection, *project])
    if freshness.exception is not None:
        print(f"source freshness could not be checked: {freshness.exception}", flush=True)
    try:
        facts = warehouse.build_facts(settings, build_path, excluded, spec.get("carry"))
    except PipelineError as exc:
        _verdict(error=[exc.source, exc.file, exc.rule, exc.detail])
        return 1
    os.environ[FACTS_ENV] = json.dumps(facts)
    # Unit tests check the models' logic on hand-made rows, not the data: they run once
    # per code change (make test), not in every build.
    built = dbt.invoke(["build", "--exclude-resource-type", "unit_test", *selection, *project])
    _keep_build_results(settings, build_path)  # before docs generate writes its own run results
    if not built.success:
        _verdict(failed="build")
        return 1
    if spec.get("docs", True):
        # The catalogue is read from the new file; --static writes one self-contained page;
        # --no-compile: the page reads the manifest the build wrote, with the SQL it compiled
        # (compiling every node again cost 3 s of a 30 s build).
        docs = dbt.invoke(["docs", "generate", "--static", "--no-compile", *freshness_selection, *project])
        if not docs.success:
            _verdict(failed="docs generate")
            return 1
    _verdict(ok=True)
    return 0


def _start_from_project_parse(settings) -> None:
    """A data folder whose dbt never parsed starts from the project's parse (``make
    install``): dbt re-reads only what changed since, or all of it when the parse is from
    another dbt or profile. A copy that fails leaves dbt to parse everything."""
    import shutil

    from treasury_warehouse.warehouse import builds as warehouse

    state, project_state = warehouse.parse_state(settings), warehouse.project_parse_state(settings)
    if state.exists() or not project_state.exists():
        return
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project_state, state)
    except OSError as exc:
        print(f"dbt parses the whole project: the project's parse was not copied: {exc}", flush=True)


def _keep_build_results(settings, build_path: Path) -> None:
    """The build's run results beside the build (the caller logs each node from them); a
    copy that fails (a full disk) leaves it to the caller, and never fails the build."""
    import shutil

    from treasury_warehouse.warehouse import builds as warehouse

    results = warehouse.dbt_target_dir(settings) / "run_results.json"
    try:
        shutil.copyfile(results, warehouse.sidecar(build_path, "run_results"))
    except OSError as exc:
        print(f"the build's run results were not kept: {exc}", flush=True)


if __name__ == "__main__":
    exit_process(main(sys.argv[1:]))
