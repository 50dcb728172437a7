"""Hold back a newly published vintage that breaks the warehouse build.

A file can pass its gate and still fail a dbt test downstream (a second vintage that
makes a key repeat, a value a model cannot cast). Every build records the published
files it read (``inputs.json`` in its folder). When ``dbt build`` fails, the failing
models and tests are traced in dbt's manifest to the sources they read; the vintages of
those sources published since the current warehouse was built are moved to
``data/quarantine/<source>/`` with the reason, and the build runs again without them.
So one bad file costs its source a night, not the whole warehouse. A quarantined file
is not ingested again until a run is forced (after a fix); the build that went ahead
without it says so, and the build DAG fails loudly after publishing it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from treasury_warehouse.config import Settings

log = logging.getLogger(__name__)

INPUTS_FILE = "inputs.json"
RECORD_FILE = "quarantined.json"
FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass(frozen=True)
class Held:
    source: str
    file: str  # the Parquet file's name, as it was in published/<source>/
    failing: list[str]  # dbt nodes that failed downstream of it
    build: str  # the build that failed

    @property
    def message(self) -> str:
        return (
            f"[{self.source}] {self.file}: rule 'builds_cleanly' failed: quarantined after build {self.build} "
            f"failed {', '.join(self.failing)}; the warehouse was built without it. Fix the parser or the data, "
            f"then force the ingest of {self.source} to try it again"
        )


def published_files(settings: Settings) -> list[str]:
    """The published vintages dbt reads, as <source>/<file> paths."""
    return sorted(str(p.relative_to(settings.published_dir)) for p in settings.published_dir.glob("*/*.parquet"))


def write_inputs(build_path: Path, files: list[str]) -> None:
    (build_path.parent / INPUTS_FILE).write_text(json.dumps(files, indent=1))


def inputs_of(build_path: Path) -> list[str] | None:
    path = build_path.parent / INPUTS_FILE
    return json.loads(path.read_text()) if path.exists() else None


def upstream_sources(manifest: dict, node: str) -> set[str]:
    """dbt source names ("fred.series") a node reads, through every model above it."""
    parents = manifest.get("parent_map", {})
    seen, stack, found = set(), [node], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.startswith("source."):
            found.add(".".join(current.split(".")[-2:]))
        stack.extend(parents.get(current, []))
    return found


def suspects(settings: Settings, published_inputs: list[str], target_dir: Path, failed_build: str) -> list[Held]:
    """The vintages published since the published warehouse was built that the failing dbt
    nodes of the last build read; none if there is no published build to compare with."""
    from treasury_warehouse.ingest.sources import SOURCES

    results_path, manifest_path = target_dir / "run_results.json", target_dir / "manifest.json"
    if not results_path.exists() or not manifest_path.exists():
        return []
    results = json.loads(results_path.read_text())["results"]
    failing = sorted(r["unique_id"] for r in results if r["status"] in FAILED_STATUSES)
    manifest = json.loads(manifest_path.read_text())
    new = [f for f in published_files(settings) if f not in set(published_inputs)]
    held = []
    for path in new:
        name, file = path.split("/", 1)
        source = SOURCES.get(name)
        if source is None:
            continue
        downstream = [node for node in failing if source.dbt_source in upstream_sources(manifest, node)]
        if downstream:
            held.append(Held(name, file, downstream, failed_build))
    return held


def hold(settings: Settings, held: list[Held]) -> None:
    for item in held:
        target = settings.quarantine_dir / item.source / item.file
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(settings.published_dir / item.source / item.file, target)
        record = {**asdict(item), "at": datetime.now(UTC).isoformat(timespec="seconds")}
        target.with_suffix(".json").write_text(json.dumps(record, indent=2))
        log.error("%s", item.message)


def release(settings: Settings, held: list[Held]) -> None:
    """Put vintages back: the build failed without them too, so they were not the cause."""
    for item in held:
        target = settings.quarantine_dir / item.source / item.file
        os.replace(target, settings.published_dir / item.source / item.file)
        target.with_suffix(".json").unlink(missing_ok=True)
        log.warning("released %s/%s from quarantine: the build fails without it as well", item.source, item.file)


def record(build_path: Path, held: list[Held]) -> None:
    (build_path.parent / RECORD_FILE).write_text(json.dumps([asdict(h) for h in held], indent=2))


def held_back(build_path: Path) -> list[Held]:
    """The vintages a build went ahead without."""
    path = build_path.parent / RECORD_FILE
    return [Held(**item) for item in json.loads(path.read_text())] if path.exists() else []


def quarantined(settings: Settings, name: str, sha256: str) -> str | None:
    """Why a landed file's vintage is in quarantine, or None."""
    for note in (settings.quarantine_dir / name).glob(f"vintage=*__{sha256[:12]}__*.json"):
        return Held(**{k: v for k, v in json.loads(note.read_text()).items() if k != "at"}).message
    return None


def forget(settings: Settings, name: str, sha256: str) -> None:
    """A forced, re-published file leaves quarantine."""
    for path in (settings.quarantine_dir / name).glob(f"vintage=*__{sha256[:12]}__*"):
        path.unlink()
