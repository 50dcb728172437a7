"""One test over every registry entry: a source is one schema-checked entry plus its parser,
suite, staging model and fixture, and these agree with each other."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from treasury_warehouse.config import PROJECT_ROOT
from treasury_warehouse.ingest.sources import SOURCES, Measure, Source

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "mirror"


def dbt_tables() -> dict[str, dict]:
    """Every table the staging ``_sources.yml`` files declare, by '<dbt source>.<table>'."""
    declared = {}
    for path in STAGING.rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            declared |= {f"{source['name']}.{table['name']}": table for table in source["tables"]}
    return declared


def dbt_sources() -> set[str]:
    return set(dbt_tables())


def declared_measures(dbt_source: str) -> dict[str, dict[str, dict]]:
    """The unit and range a staging ``_sources.yml`` declares for a table, as {registry
    source: {column: meta}}: a column's meta is the table's one source's, or, for a table
    several sources publish into, its ``by_source`` entry."""
    names = [s.name for s in SOURCES.values() if s.dbt_source == dbt_source]
    declared: dict[str, dict[str, dict]] = {name: {} for name in names}
    for column in dbt_tables()[dbt_source].get("columns", []):
        meta = column.get("config", {}).get("meta", {})
        if "by_source" in meta:
            for name, entry in meta["by_source"].items():
                declared.setdefault(name, {})[column["name"]] = entry
        elif "unit" in meta:
            for name in names:
                declared[name][column["name"]] = {k: meta.get(k) for k in ("unit", "min", "max")}
    return declared


def registered_measures(measures: tuple[Measure, ...]) -> dict[str, dict]:
    return {m.column: {"unit": m.unit, "min": m.minimum, "max": m.maximum} for m in measures}


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_an_entry_and_what_it_names_agree(source: Source) -> None:
    assert source.dbt_source in dbt_sources(), f"{source.dbt_source} is not declared in a staging _sources.yml"
    [model] = STAGING.rglob(f"{source.staging_model}.sql")
    dbt_name, table = source.dbt_source.split(".")
    assert re.search(rf"source\(\s*'{dbt_name}'\s*,\s*'{table}'\s*\)", model.read_text()), model
    fixture = FIXTURES / source.publisher / source.file_name
    assert fixture.exists(), f"no hand-made fixture at {fixture.relative_to(PROJECT_ROOT)}"
    frame = source.parse(fixture.read_bytes(), Path(source.file_name).name)
    columns = set(frame.columns)
    if source.period_column:
        assert source.period_column in columns
    if source.compare:
        spec = source.compare
        assert {*spec.series, spec.period, *spec.values} <= columns, source.compare
    assert source.checks(frame), "the suite checks nothing"


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_the_dbt_yaml_declares_the_units_and_ranges_of_the_registry(source: Source) -> None:
    """A source's units and bounds live in its registry entry (the gate reads them there);
    its dbt sources YAML must say the same on each amount column, and nothing more."""
    assert declared_measures(source.dbt_source).get(source.name, {}) == registered_measures(source.measures), (
        f"{source.dbt_source}: the columns' meta (unit, min, max) in the staging _sources.yml "
        f"disagree with the registry entry {source.name!r}"
    )


def test_the_comparison_of_units_and_ranges_can_fail() -> None:
    declared = declared_measures("tic.major_foreign_holders")["tic_mfh"]
    assert declared == {"holdings_usd_bn": {"unit": "usd_bn", "min": 0, "max": 20_000}}
    changed = dataclasses.replace(SOURCES["tic_mfh"].measures[0], unit="usd_mn", column="holdings_usd_mn")
    assert declared != registered_measures((changed,))
    wider = dataclasses.replace(SOURCES["tic_mfh"].measures[0], maximum=30_000)
    assert declared != registered_measures((wider,))


def test_the_gate_reads_the_ranges_from_the_registry(tmp_path: Path) -> None:
    """Narrow a range in the registry and the gate fails the rows it passed."""
    from treasury_warehouse.ingest.quality import run_gate

    source = SOURCES["tic_mfh"]
    frame = source.parse((FIXTURES / "tic" / source.file_name).read_bytes(), source.file_name).assign(vintage="v1")

    def failures(entry: Source) -> list[str]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(SOURCES, source.name, entry)
            return [f.describe() for f in run_gate(source.name, source.file_name, entry.checks(frame), None).failures]

    assert failures(source) == []
    narrow = dataclasses.replace(source, measures=(dataclasses.replace(source.measures[0], maximum=1.0),))
    assert any("holdings_usd_bn" in f and "max_value=1.0" in f for f in failures(narrow))


@pytest.mark.parametrize(
    ("measure", "problem"),
    [
        (Measure("holdings_usd_bn", "usd_mn", 0, 1, "x"), "does not end in its unit"),
        (Measure("holdings", "dollars", 0, 1, "x"), "is not one of"),
        (Measure("holdings_usd_bn", "usd_bn", None, None, "x"), "has no bound"),
        (Measure("holdings_usd_bn", "usd_bn", 5, 1, "x"), "is not below"),
    ],
)
def test_a_wrong_measure_fails_at_import(measure: Measure, problem: str) -> None:
    with pytest.raises(ValueError, match=rf"source 'tic_mfh': measures: .*{problem}"):
        dataclasses.replace(SOURCES["tic_mfh"], measures=(measure,))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "TIC-MFH"),
        ("schedule", "hourly"),
        ("parser", "tic_mfh.parse"),
        ("suite", "treasury_warehouse.ingest.parsers.tic_mfh:checks"),
        ("dbt_source", "major_foreign_holders"),
        ("staging_model", "tic_mfh"),
        ("url", "ftp://example.org/mfh.txt"),
        ("api_key_env", "TIC_KEY"),
        ("pages", True),
        ("no_live_path", "behind a login"),
    ],
)
def test_a_wrong_entry_fails_at_import_naming_its_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"source '(tic_mfh|TIC-MFH)': .*{field}"):
        dataclasses.replace(SOURCES["tic_mfh"], **{field: value})
