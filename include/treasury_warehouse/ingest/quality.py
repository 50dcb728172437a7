"""The quality gate: Great Expectations 1.x suites run on parsed tables before publication.

A source's suite module returns a list of ``Check``: a table (the parsed rows, or a
table derived from them such as per-month totals) with the expectations it must meet.
Each check runs as a GX checkpoint in a file-backed project under the data area, so
results and Data Docs are kept. Any failed expectation stops the load with a message
that names the source, the file, the expectation and the rows it failed on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from treasury_warehouse.errors import ValidationFailed

log = logging.getLogger(__name__)
# GX logs every store write at INFO; the gate logs its own outcome.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

MAX_ROWS_REPORTED = 10
NO_CONFIG_VARIABLES = "# The quality gate substitutes no variables.\n{}\n"


@dataclass
class Check:
    """One table and the expectations it must meet."""

    table: str
    frame: pd.DataFrame
    expectations: list[Any]
    index_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    table: str
    expectation: str
    kwargs: dict[str, Any]
    unexpected_count: int | None
    rows: list[Any]

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items() if k not in ("batch_id",))
        count = "" if self.unexpected_count is None else f" on {self.unexpected_count} row(s)"
        rows = f"; first rows: {self.rows}" if self.rows else ""
        return f"{self.table}: {self.expectation}({args}) failed{count}{rows}"


@dataclass(frozen=True)
class GateResult:
    source: str
    file: str
    success: bool
    evaluated: int
    failures: list[Failure]
    data_docs: str | None

    def raise_for_failures(self, rule: str = "expectation_suite", hint: str = "") -> None:
        if self.success:
            return
        lines = "\n  ".join(f.describe() for f in self.failures)
        raise ValidationFailed(
            self.source,
            self.file,
            rule,
            f"{len(self.failures)} of {self.evaluated} expectations failed:\n  {lines}" + (f"\n{hint}" if hint else ""),
        )


def _context(project_dir: Path):
    import great_expectations as gx

    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    # GX reads its config variables file on every store access (hundreds per gate); the
    # project uses none, so the file is kept to an empty mapping instead of GX's template.
    variables = project_dir / "gx" / "uncommitted" / "config_variables.yml"
    if variables.exists() and variables.read_text() != NO_CONFIG_VARIABLES:
        variables.write_text(NO_CONFIG_VARIABLES)
    context.variables.progress_bars = {"globally": False}
    return context


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def run_gate(source: str, file: str, checks: list[Check], project_dir: Path | None, detail: bool = True) -> GateResult:
    """Validate every check; return what failed (never raises for failed expectations).

    With a project folder the suites, results and Data Docs are kept there; without one
    (the mutation suite, which runs the gate hundreds of times) nothing is stored, and
    without detail only which expectations failed is reported, not the rows."""
    import great_expectations as gx
    from great_expectations.data_context.data_context.context_factory import project_manager

    if project_dir is None:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
    else:
        context = _context(project_dir)
    try:
        failures: list[Failure] = []
        evaluated = 0
        results_to_render = []
        for check in checks:
            name = f"{source}.{check.table}"
            # Forgotten while the data asset they name still exists: once it is replaced, a
            # stored checkpoint naming it no longer loads (GX prints it, "Skipping Bad Configs").
            _forget(context, name)
            # One datasource per table: replacing one leaves every other table's stored
            # definitions loadable (the suite's and the comparison's share a project).
            datasource = context.data_sources.add_or_update_pandas(name=name)
            if check.table in {a.name for a in datasource.assets}:
                datasource.delete_asset(check.table)
            asset = datasource.add_dataframe_asset(name=check.table)
            batch_definition = asset.add_batch_definition_whole_dataframe(name="whole_table")
            suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=check.expectations))
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
            )
            result_format: dict[str, Any] = {"result_format": "COMPLETE" if detail else "BOOLEAN_ONLY"}
            if check.index_columns and detail:
                result_format["unexpected_index_column_names"] = check.index_columns
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=name,
                    validation_definitions=[validation],
                    actions=[],
                    result_format=result_format,
                )
            )
            run = checkpoint.run(batch_parameters={"dataframe": check.frame})
            results_to_render.extend(run.run_results)
            for validation_result in run.run_results.values():
                for result in validation_result.results:
                    evaluated += 1
                    if result.success:
                        continue
                    failures.append(_failure(check, result))
        if project_dir is not None:
            # The pages of this run's results, and the index, rendered once per gate (rendering
            # them per check, as a checkpoint action would, cost more than the validation).
            context.build_data_docs(resource_identifiers=results_to_render)
        docs = context.get_docs_sites_urls() if project_dir is not None else []
        data_docs = docs[0]["site_url"] if docs else None
        outcome = GateResult(source, file, not failures, evaluated, failures, data_docs)
        log.info(
            "quality gate %s %s: %d/%d expectations passed; Data Docs: %s",
            source,
            file,
            evaluated - len(failures),
            evaluated,
            data_docs,
        )
        return outcome
    finally:
        # Great Expectations keeps the last context as its current project, and through it
        # every table it validated: 1 GB of votes at 50x would stay held until the process ends.
        project_manager.set_project(None)


def _forget(context: Any, name: str) -> None:
    """Drop the stored checkpoint, validation definition and suite of a previous run, so
    what runs is exactly the suite in code, whatever an earlier version stored. Each is
    looked up by its name alone: listing a store loads (and checks) everything in it."""
    from great_expectations.exceptions import DataContextError

    for store in (context.checkpoints, context.validation_definitions, context.suites):
        try:
            store.delete(name=name)
        except DataContextError:  # not stored: a first run, or a table new in the suite
            continue


def _failure(check: Check, result: Any) -> Failure:
    config = result.expectation_config
    details = result.result or {}
    rows = details.get("unexpected_index_list") or details.get("partial_unexpected_list") or []
    if result.exception_info and result.exception_info.get("raised_exception"):
        rows = [result.exception_info.get("exception_message")]
    kwargs = {k: v for k, v in config.kwargs.items() if k != "result_format"}
    return Failure(
        table=check.table,
        expectation=config.type,
        kwargs=_jsonable(kwargs),
        unexpected_count=details.get("unexpected_count"),
        rows=_jsonable(list(rows)[:MAX_ROWS_REPORTED]),
    )
