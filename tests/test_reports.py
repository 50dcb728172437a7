"""One SQL per question, inside dbt: the report and ``make answers`` read report models only,
the models they read are the ones their exposures declare, and the latest-vintage rule is
applied in one layer (``models/staging/latest``), not in every model downstream.

These read the project's files; the models' numbers are checked by their dbt unit tests and
by the report and answers tests on built warehouses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from treasury_warehouse.config import PROJECT_ROOT
from treasury_warehouse.orchestration import digest
from treasury_warehouse.report import answers, nightly

MODELS = PROJECT_ROOT / "dbt_project" / "models"
REPORTS = MODELS / "reports"
READERS = {"nightly_report": nightly, "answers": answers, "nightly_digest": digest}


def relations_read(module) -> set[str]:
    """Every schema.relation a module's SQL names."""
    source = Path(module.__file__).read_text()
    return set(re.findall(r"\b(?:from|join)\s+((?:marts|meta|report|staging|intermediate|reference)\.\w+)", source))


def exposures() -> dict[str, set[str]]:
    declared = yaml.safe_load((REPORTS / "_exposures.yml").read_text())["exposures"]
    return {e["name"]: {re.fullmatch(r"ref\('(\w+)'\)", d)[1] for d in e["depends_on"]} for e in declared}


def test_the_report_and_the_answers_read_only_the_models_their_exposures_declare() -> None:
    declared = exposures()
    assert set(declared) == set(READERS)
    for name, module in READERS.items():
        read = relations_read(module)
        assert read, name  # the pattern finds the module's queries
        assert {r for r in read if not r.startswith("report.")} <= {"meta.meta_build"}, (name, read)
        assert {r.removeprefix("report.") for r in read if r.startswith("report.")} == declared[name], name


def test_the_reading_check_finds_a_query_on_a_mart(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text('QUERY = "select * from marts.fct_bloc_flows_yearly join report.rpt_supply_latest on true"\n')
    reader = type("Module", (), {"__file__": str(module)})
    assert relations_read(reader) == {"marts.fct_bloc_flows_yearly", "report.rpt_supply_latest"}


def test_every_report_model_is_documented_typed_and_read() -> None:
    declared = {m["name"]: m for m in yaml.safe_load((REPORTS / "_reports.yml").read_text())["models"]}
    files = {p.stem for p in REPORTS.glob("rpt_*.sql")}
    assert set(declared) == files
    read = set().union(*exposures().values())
    assert files == read, files ^ read  # no model nothing reads, none read that is not there
    for name, model in declared.items():
        assert model["description"].startswith("One row"), name
        for column in model["columns"]:
            assert column.get("data_type"), (name, column["name"])
            assert column.get("description"), (name, column["name"])


def test_the_latest_vintage_rule_is_applied_in_one_layer() -> None:
    applied = [
        path.relative_to(MODELS).as_posix()
        for path in MODELS.rglob("*.sql")
        if "is_latest_vintage(" in path.read_text() or "latest_vintage_rows(" in path.read_text()
    ]
    latest = sorted(p.relative_to(MODELS).as_posix() for p in (MODELS / "staging" / "latest").glob("*.sql"))
    assert sorted(applied) == latest
    # Each view is its staging model's newest file, and nothing downstream reads a staging
    # model that has such a view except to keep every vintage (revisions, the NIIP's choice).
    with_view = {Path(p).stem.removesuffix("_latest") for p in latest}
    every_vintage = {"fct_treasury_holdings_revisions", "fct_series_revisions", "int_tic_holders", "fct_niip"}
    for path in [*MODELS.glob("intermediate/*.sql"), *MODELS.glob("marts/**/*.sql"), *REPORTS.glob("*.sql")]:
        for name in re.findall(r"ref\('(stg_\w+)'\)", path.read_text()):
            assert name not in with_view or path.stem in every_vintage, (path.stem, name)
