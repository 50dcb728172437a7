"""What a build brings against the published one it follows, per source, for
``meta.meta_changes`` (build fact ``changes``): from what each newly published vintage
recorded beside it (``ingest.advances``), its vintage, the periods it adds and the values it
revises; and the files the build went without (quarantined). ``meta.meta_changes`` adds what
only the two warehouses can tell: holders at a new two-year low or high, and countries that
changed bloc; ``report.rpt_what_changed`` says it in sentences, which the report shows and
the nightly digest sends (``orchestration.digest``).
"""

from __future__ import annotations

import re
from pathlib import Path

from treasury_warehouse.config import Settings

VINTAGE_FILE = re.compile(r"vintage=(?P<vintage>.+?)__(?P<sha>[0-9a-f]{12})__")


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _periods(added: dict) -> str:
    """What a source's periods are: roll calls for the votes, periods otherwise."""
    word = "roll call" if added.get("column") == "rcid" else "period"
    return word if added["count"] == 1 else f"{word}s"


def _sha_of(file: str) -> str | None:
    match = VINTAGE_FILE.match(Path(file).name)
    return match["sha"] if match else None


def change_rows(settings: Settings, previous: Path | None) -> list[dict]:
    """One row per thing a newly published vintage brings, and per file held back, against
    the published build ``previous`` (None: every published vintage is new)."""
    from treasury_warehouse.ingest import advances, quarantine

    before = quarantine.inputs_of(previous) if previous is not None else None
    seen = {(f.split("/")[0], _sha_of(f)) for f in before or []}
    rows: list[dict] = []
    for relative in quarantine.published_files(settings):
        source = relative.split("/")[0]
        if (source, _sha_of(relative)) in seen:
            continue
        path = settings.published_dir / relative
        match = VINTAGE_FILE.match(path.name)
        vintage = match["vintage"] if match else path.stem
        facts = advances.read(path) or {}
        rows.append(
            {
                "change_kind": "new_vintage",
                "source_name": source,
                "subject": vintage,
                "items": facts.get("rows"),
                "description": f"{source}: new vintage {vintage}"
                + (f" ({facts['rows']:,} rows)" if facts.get("rows") is not None else "")
                + ("" if facts.get("compared_with") or not facts else ", its first"),
            }
        )
        added = facts.get("periods_added") or {}
        if added.get("count"):
            shown = added["shown"]
            more = f" (the last {len(shown)}: {', '.join(shown)})" if added["count"] > len(shown) else ""
            named = "" if more else f": {', '.join(shown)}"
            rows.append(
                {
                    "change_kind": "periods_added",
                    "source_name": source,
                    "subject": vintage,
                    "period_label": shown[-1],
                    "items": added["count"],
                    "description": f"{source}: {added['count']} {_periods(added)} added{named}{more}",
                }
            )
        revised = facts.get("values_revised") or {}
        if revised.get("count"):
            largest = revised.get("largest") or {}
            text = f"{source}: {revised['count']:,} value{'s' if revised['count'] > 1 else ''} revised"
            if largest.get("change") is not None:
                text += (
                    f"; the largest {largest['series']} {largest['period']} ({largest['column']}):"
                    f" {_number(largest['previous_value'])} to {_number(largest['new_value'])}"
                    f" ({largest['change']:+,.4g})"
                )
            rows.append(
                {
                    "change_kind": "values_revised",
                    "source_name": source,
                    "subject": largest.get("series"),
                    "period_label": largest.get("period"),
                    "items": revised["count"],
                    "previous_value": largest.get("previous_value"),
                    "new_value": largest.get("new_value"),
                    "change_value": largest.get("change"),
                    "description": text,
                }
            )
    held_before = {(h.source, h.file) for h in quarantine.held_back(previous)} if previous is not None else set()
    for note in sorted(settings.quarantine_dir.glob("*/*.json")):
        source, file = note.parent.name, note.with_suffix(".parquet").name
        if (source, file) in held_before or not note.with_suffix(".parquet").exists():
            continue
        rows.append(
            {
                "change_kind": "quarantined",
                "source_name": source,
                "subject": file,
                "items": 1,
                "description": f"{source}: {file} quarantined (it broke the build; the build went without it)",
            }
        )
    return rows
