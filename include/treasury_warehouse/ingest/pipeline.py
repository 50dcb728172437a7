"""The ingest steps for one source after it is landed: parse -> validate -> publish.

Each step is a plain function of the source name and the settings, returning a small
JSON-able dict, so Airflow tasks can chain them through XCom and tests and the
command line can call them directly. The first steps, fetch and land, are in ``intake``.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pandas as pd

from treasury_warehouse.config import Settings
from treasury_warehouse.ingest import advances, quarantine
from treasury_warehouse.ingest.intake import PIPELINE_REVISION, fetch_and_land
from treasury_warehouse.ingest.landing import atomically, read_landed, read_manifest
from treasury_warehouse.ingest.quality import run_gate
from treasury_warehouse.ingest.sources import get_source

log = logging.getLogger(__name__)


def _last_modified(manifest: dict[str, object]) -> str | None:
    headers = manifest.get("http_headers") or {}
    return headers.get("Last-Modified") if isinstance(headers, dict) else None


def landed_vintage(manifest: dict[str, object]) -> pd.Timestamp:
    modified = _last_modified(manifest)
    stamp = pd.Timestamp(str(modified)) if modified else pd.Timestamp(str(manifest["fetched_at"]))
    return pd.Timestamp(stamp.date())


def _candidate_path(settings: Settings, name: str, sha256: str) -> Path:
    return settings.candidates_dir / name / f"{sha256}.parquet"


# Where each row came from, written with the parsed table: the file, its URL and sha256,
# when it was landed, and where its vintage's date comes from.
PROVENANCE = ("source_file", "source_url", "source_sha256", "landed_at", "vintage_basis")
# Four times pyarrow's default: a votes row group then holds a dictionary page for a few
# thousand roll calls rather than repeating it, which halves the votes' file at 50x and
# writes and reads it a second faster each; a 1x source still fits in one row group.
ROW_GROUP_ROWS = 1 << 22


def write_parquet_atomic(frame: pd.DataFrame, path: Path, constants: dict[str, object] | None = None) -> None:
    """Write frame as Parquet with constant columns after its own, added a row group at a
    time (the votes at 50x the real rows would otherwise hold each constant as 43 million
    values). A text constant is dictionary-encoded (one value, a byte per row), as the
    parsers keep the votes' text columns; other constants have the type pandas gives them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    added = _constant_columns(constants or {})
    schema = table.schema
    for field in added.schema:
        schema = schema.append(field)
    with atomically(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for offset in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            group = table.slice(offset, ROW_GROUP_ROWS)
            for name in added.column_names:
                group = group.append_column(name, pa.repeat(added[name][0], group.num_rows))
            writer.write_table(group, row_group_size=ROW_GROUP_ROWS)


def _constant_columns(constants: dict[str, object]):
    import pyarrow as pa

    added = pa.Table.from_pandas(pd.DataFrame({k: [v] for k, v in constants.items()}), preserve_index=False)
    return pa.table(
        {
            name: column.dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string()))
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
            else column
            for name, column in zip(added.column_names, added.columns, strict=True)
        }
    )


def _provenance(manifest: dict[str, object], sha256: str, basis: str) -> dict[str, object]:
    return {
        "source_file": str(manifest["file_name"]),
        "source_url": str(manifest["url"]),
        "source_sha256": sha256,
        "landed_at": pd.Timestamp(str(manifest["fetched_at"])),
        # Where the vintage's date comes from: file, listing, last_modified, or landed (the
        # publisher's release date unknown); meta.meta_sources keeps the two apart.
        "vintage_basis": basis,
    }


def parse_landed(name: str, landed_path: str, settings: Settings) -> dict[str, object]:
    """Parse a landed file into its candidate table: the parsed rows with their vintage and
    provenance, exactly the file that is published once it passes the gate."""
    source = get_source(name)
    path = Path(landed_path)
    sha256 = path.parent.name
    manifest = read_manifest(path)
    frame = source.parse(read_landed(path), f"{path.name} (sha256 {sha256[:12]})")
    basis = "file"  # a release stamp in the file or its name, read by the parser
    constants: dict[str, object] = {}
    if "vintage" in frame.columns:
        vintage = pd.Timestamp(frame["vintage"].max())
    else:
        # The file carries no release date: its vintage is the one the publisher's listing
        # gave (in the landed name), or when the publisher last changed it (Last-Modified)
        # or, failing that, when it was landed (the release date is then unknown).
        from treasury_warehouse.ingest.listings import listed_release

        listed = listed_release(path.name)
        vintage = pd.Timestamp(listed) if listed else landed_vintage(manifest)
        constants["vintage"] = vintage
        basis = "listing" if listed else "last_modified" if _last_modified(manifest) else "landed"
    candidate = _candidate_path(settings, name, sha256)
    write_parquet_atomic(frame, candidate, {**constants, **_provenance(manifest, sha256, basis)})
    log.info("parsed %s: %d rows, vintage %s -> %s", name, len(frame), vintage.date().isoformat(), candidate)
    return {
        "candidate": str(candidate),
        "rows": len(frame),
        "vintage": vintage.date().isoformat(),
        "vintage_basis": basis,
        "sha256": sha256,
        "landed_path": str(path),
    }


def read_candidate(path: Path) -> pd.DataFrame:
    """A parsed (or published) table as pandas without its provenance, each Arrow column
    freed as it is converted, and the freed memory given back: the votes at 50x the real
    rows take 1.3 GB instead of 2.7 GB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [c for c in pq.read_schema(path).names if c not in PROVENANCE]
    frame = pd.read_parquet(path, columns=columns, to_pandas_kwargs={"self_destruct": True, "split_blocks": True})
    pa.default_memory_pool().release_unused()
    return frame


def _give_back_memory() -> None:
    import gc

    import pyarrow as pa

    gc.collect()  # the gate's Great Expectations context holds the table in reference cycles
    pa.default_memory_pool().release_unused()


def validate_candidate(
    name: str, parsed: dict[str, object], settings: Settings, force_reason: str | None = None
) -> dict[str, object]:
    """The gate: the source's expectation suite, then the comparison with the last published
    vintage. Raise ValidationFailed on any failure, except that a comparison failure passes
    when forced with a reason, which is then recorded with the vintage."""
    # Imported here: the suites bring Great Expectations (2.5 s), which a night that finds
    # every file unchanged never needs.
    from treasury_warehouse.ingest import vintages

    source = get_source(name)
    candidate = Path(str(parsed["candidate"]))
    frame = read_candidate(candidate)
    file = f"{Path(str(parsed['landed_path'])).name} (sha256 {str(parsed['sha256'])[:12]})"
    project = settings.quality_dir / name
    result = run_gate(name, file, source.checks(frame), project)
    result.raise_for_failures()
    validated: dict[str, object] = {**parsed, "expectations": result.evaluated, "data_docs": result.data_docs}
    previous = vintages.last_published(settings.published_dir, name, str(parsed["sha256"]))
    if previous is None:
        return validated
    if vintages.in_database(source, len(frame)):
        del frame  # DuckDB reads both files: the table's memory goes back before it starts
        _give_back_memory()
        work = settings.data_dir / "tmp" / f"compare-{name}"
        compared = vintages.checks_in_database(source, candidate, previous, work)
        shutil.rmtree(work, ignore_errors=True)
    else:
        compared = vintages.checks(source, frame, read_candidate(previous))
    comparison = run_gate(name, file, compared, project)
    validated["compared_with"] = previous.name
    if comparison.success:
        return validated
    failures = [f.describe() for f in comparison.failures]
    if force_reason and force_reason.strip():
        log.warning("%s %s: published despite the comparison with %s (%s)", name, file, previous.name, force_reason)
        return {**validated, "forced_reason": force_reason.strip(), "forced_failures": failures}
    comparison.raise_for_failures(
        rule="vintage_comparison",
        hint=f"compared with the published {previous.name}. If this is a genuine revision (a benchmark, a new "
        "survey), run again with force and a reason, e.g. "
        f'--conf \'{{"force": true, "reason": "annual benchmark revision"}}\' (airflow-run ingest_{name}) or '
        f"ingest {name} --force --reason '...'",
    )
    return validated


def published_path(settings: Settings, name: str, vintage: str, sha256: str) -> Path:
    return settings.published_dir / name / f"vintage={vintage}__{sha256[:12]}__r{PIPELINE_REVISION}.parquet"


def publish_candidate(name: str, validated: dict[str, object], settings: Settings) -> dict[str, object]:
    """Move a gated table, with its provenance, to the published area that dbt reads."""
    import pyarrow.parquet as pq

    from treasury_warehouse.ingest.vintages import record_forced

    target = published_path(settings, name, str(validated["vintage"]), str(validated["sha256"]))
    candidate = Path(str(validated["candidate"]))
    if candidate.exists() or not target.exists():  # (a retry finds it published already)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(candidate, target)  # the gated file itself, its provenance written at parse
    rows = pq.read_metadata(target).num_rows
    for earlier in target.parent.glob(f"vintage=*__{str(validated['sha256'])[:12]}*.parquet"):
        if earlier != target:  # the same file as published by an earlier revision
            earlier.unlink()
    if validated.get("forced_reason"):
        note = record_forced(target, str(validated["forced_reason"]), list(validated.get("forced_failures") or []))
        log.warning("%s vintage %s forced past its comparison; reason recorded at %s", name, validated["vintage"], note)
    previous = target.parent / str(validated["compared_with"]) if validated.get("compared_with") else None
    advances.record(get_source(name), target, previous if previous is not None and previous.exists() else None)
    quarantine.forget(settings, name, str(validated["sha256"]))
    log.info("published %s vintage %s: %d rows at %s", name, validated["vintage"], rows, target)
    return {**validated, "published": str(target)}


def ingest(name: str, settings: Settings, force_reason: str | None = None) -> dict[str, object]:
    """All four steps in one call, without Airflow."""
    landed = fetch_and_land(name, settings)
    parsed = parse_landed(name, str(landed["path"]), settings)
    return publish_candidate(name, validate_candidate(name, parsed, settings, force_reason), settings)
