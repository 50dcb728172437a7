"""The mutation suite: every registered source's fixture, and its real file where the
corpus has one, corrupted in every way of the catalogue; each verdict must be the
expected one (rejected, or accepted on purpose)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOT_IN_CORPUS

from tools import mutations
from treasury_warehouse.ingest.sources import SOURCES, Source

FILE_SOURCES = [s for s in SOURCES.values() if not s.api_key_env]
REAL_FILE_SOURCES = [s for s in FILE_SOURCES if s.name not in NOT_IN_CORPUS]


def unexpected(verdicts: list[mutations.Verdict]) -> list[str]:
    return [f"{v.mutation}: {v.outcome} ({v.stage}) {v.detail}" for v in verdicts if not mutations.is_expected(v)]


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_fixture_mutations_get_the_expected_verdict(source: Source, fixture_mirror: Path) -> None:
    verdicts = mutations.run(source, fixture_mirror / source.publisher / source.file_name)

    assert unexpected(verdicts) == []
    by_name = {v.mutation: v for v in verdicts}
    # Every source is reached by the data mutations, whatever its file format.
    assert by_name["duplicate_rows"].outcome == "rejected"
    assert by_name["series_removed"].outcome == "rejected"
    assert by_name["last_period_removed"].outcome == "rejected"
    assert by_name["html_page"].stage == "parse"


@pytest.mark.parametrize("source", REAL_FILE_SOURCES, ids=[s.name for s in REAL_FILE_SOURCES])
def test_real_file_mutations_get_the_expected_verdict(source: Source, shared_sources: Path) -> None:
    verdicts = mutations.run(source, shared_sources / source.publisher / source.file_name)

    assert unexpected(verdicts) == []
    numeric = bool(source.compare and any(c for c in source.compare.values if c != "vote"))
    if numeric:
        revision = next(v for v in verdicts if v.mutation == "small_revision")
        assert revision.outcome == "accepted"
        assert all(
            v.outcome == "rejected"
            for v in verdicts
            if v.mutation in {"unit_x1000", "unit_div1000", "one_series_x1000", "absurd_value", "values_shifted"}
        )


def test_a_verdict_that_is_not_expected_is_reported() -> None:
    wrong = mutations.Verdict("fred_fdhbfin", "unit_div1000", "accepted", "all checks passed", "")
    assert not mutations.is_expected(wrong)
    assert "unexpected" in mutations.table([wrong])
