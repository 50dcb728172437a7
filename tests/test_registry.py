"""One test over every registry entry: a source is one schema-checked entry plus its parser,
suite, staging model and fixture, and these agree with each other."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from treasury_warehouse.config import PROJECT_ROOT
from treasury_warehouse.ingest.sources import SOURCES, Source

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "mirror"


def dbt_sources() -> set[str]:
    declared = set()
    for path in STAGING.rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            declared |= {f"{source['name']}.{table['name']}" for table in source["tables"]}
    return declared


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
    ],
)
def test_a_wrong_entry_fails_at_import_naming_its_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"source '(tic_mfh|TIC-MFH)': .*{field}"):
        dataclasses.replace(SOURCES["tic_mfh"], **{field: value})
