"""Build the warehouse with dbt into a new file, audit it, then publish it atomically.

DuckDB allows one writer per file and a reader in another process blocks a writer, so
the build never touches the published file: dbt writes builds/candidate-<stamp>.duckdb,
the audit opens it read-only and, if it passes, renames it warehouse-<stamp>.duckdb and
makes it read-only; publication renames a hard link of it over the published path.
Readers that hold the old file keep reading it; new readers see the new build. Only
audited builds are named warehouse-*, so only they can be published or rolled back to;
the last ``keep_builds`` of them stay on disk.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import PipelineError

log = logging.getLogger(__name__)

BUILD_PREFIX = "warehouse-"
CANDIDATE_PREFIX = "candidate-"
# A candidate left this long by a killed build is removed by the next build.
STALE_CANDIDATE_S = 6 * 3600
MARTS_SCHEMA = "marts"


class BuildFailed(PipelineError):
    """dbt or the audit rejected a build; the published warehouse is unchanged."""


@dataclass(frozen=True)
class MartSummary:
    name: str
    rows: int
    latest_month: str | None


def new_build_path(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return settings.builds_dir / f"{CANDIDATE_PREFIX}{stamp}.duckdb"


def _remove_stale_candidates(settings: Settings) -> None:
    now = datetime.now(UTC).timestamp()
    for candidate in settings.builds_dir.glob(f"{CANDIDATE_PREFIX}*.duckdb"):
        if now - candidate.stat().st_mtime > STALE_CANDIDATE_S:
            _discard(candidate)


def dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    found = str(beside_python) if beside_python.exists() else shutil.which("dbt")
    if not found:
        raise BuildFailed("dbt", "dbt", "dbt_installed", "no 'dbt' executable beside Python or on PATH")
    return found


def dbt_target_dir(settings: Settings) -> Path:
    """Where dbt writes its manifest, run results and docs."""
    return settings.data_dir / "dbt" / "target"


def dbt_env(settings: Settings, build_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_DUCKDB_PATH": str(build_path),
        "WAREHOUSE_PUBLISHED_DIR": str(settings.published_dir),
        "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
        "DBT_TARGET_PATH": str(dbt_target_dir(settings)),
        "DBT_LOG_PATH": str(settings.data_dir / "dbt" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(settings: Settings, build_path: Path, *args: str) -> None:
    """Run one dbt command (a subprocess, so no lock on the file outlives it)."""
    build_path.parent.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args, "--project-dir", str(settings.dbt_project_dir)]
    log.info("running %s on %s", " ".join(command), build_path)
    completed = subprocess.run(command, env=dbt_env(settings, build_path), text=True, capture_output=True, check=False)
    output = completed.stdout + completed.stderr
    for line in output.splitlines():
        log.info("dbt | %s", line)
    if completed.returncode != 0:
        failing = [ln for ln in output.splitlines() if "ERROR" in ln or "FAIL" in ln][-10:]
        failing = failing or output.splitlines()[-10:]  # a parse error has no ERROR lines
        raise BuildFailed(
            "dbt", build_path.name, f"dbt {args[0]}", f"exit code {completed.returncode}:\n  " + "\n  ".join(failing)
        )


def unpublished_selectors(settings: Settings) -> list[str]:
    """dbt selections of the models whose source has nothing published yet."""
    from treasury_warehouse.sources import SOURCES

    published_sources = set()
    for source in SOURCES.values():
        if any((settings.published_dir / source.name).glob("*.parquet")):
            published_sources.add(source.dbt_source)
    return sorted({s.dbt_selector for s in SOURCES.values() if s.dbt_source not in published_sources})


@contextmanager
def _lock(settings: Settings, name: str, what: str) -> Iterator[None]:
    """An exclusive lock file under builds/, held for the block, waited for if busy.

    Builds and publications take it whatever runs them (Airflow on any executor, make, a
    person), as long as they share the data directory."""
    settings.builds_dir.mkdir(parents=True, exist_ok=True)
    with (settings.builds_dir / name).open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another %s to finish (%s)", what, lock.name)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def sidecar(build_path: Path, kind: str) -> Path:
    """A file that belongs to one build: its dbt docs page or its dbt run results."""
    suffix = {"docs": ".docs.html", "run_results": ".run_results.json"}[kind]
    return build_path.with_name(build_path.stem + suffix)


SIDECARS = ("docs", "run_results")


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    seconds: float
    message: str


def node_results(build_path: Path) -> list[NodeResult]:
    """What dbt did to each model, seed and test of a build, slowest first."""
    path = sidecar(build_path, "run_results")
    if not path.exists():
        return []
    results = json.loads(path.read_text())["results"]
    nodes = [
        NodeResult(r["unique_id"], r["status"], float(r.get("execution_time") or 0.0), r.get("message") or "")
        for r in results
    ]
    return sorted(nodes, key=lambda n: n.seconds, reverse=True)


def build(settings: Settings) -> Path:
    """dbt build (models and every test) into a new file, then its docs; return its path.

    Models on a source that has never been published are left out (and said so), so
    one new or failing source does not hold back the rest of the warehouse. One build
    runs at a time (a lock under builds/); the dbt run results and a static dbt docs
    page are kept beside the build."""
    from treasury_warehouse.sources import SOURCES

    excluded = unpublished_selectors(settings)
    if len(excluded) == len({s.dbt_source for s in SOURCES.values()}):
        raise BuildFailed(
            "warehouse",
            str(settings.published_dir),
            "sources_published",
            "no source has been published yet: run an ingest DAG first",
        )
    if excluded:
        log.warning("not built, nothing published yet: %s", ", ".join(excluded))
    selection = ["--exclude", *excluded] if excluded else []
    with _lock(settings, ".build.lock", "warehouse build"):
        _remove_stale_candidates(settings)
        build_path = new_build_path(settings)
        target = dbt_target_dir(settings)
        try:
            try:
                # Unit tests check the models' logic on hand-made rows, not the data: they run
                # once per code change (make test), not in every build.
                run_dbt(settings, build_path, "build", "--exclude-resource-type", "unit_test", *selection)
            finally:
                if (target / "run_results.json").exists():
                    shutil.copyfile(target / "run_results.json", sidecar(build_path, "run_results"))
                    _log_node_results(build_path)
            # The catalogue is read from the new file; --static writes one self-contained page.
            run_dbt(settings, build_path, "docs", "generate", "--static", *selection)
            shutil.copyfile(target / "static_index.html", sidecar(build_path, "docs"))
        except BuildFailed:
            _discard(build_path)
            raise
    return build_path


def _log_node_results(build_path: Path) -> None:
    for node in sorted(node_results(build_path), key=lambda n: n.unique_id):
        log.info("dbt node %-8s %6.2fs %s %s", node.status, node.seconds, node.unique_id, node.message)


def _discard(build_path: Path) -> None:
    build_path.unlink(missing_ok=True)
    for kind in SIDECARS:
        sidecar(build_path, kind).unlink(missing_ok=True)


def audit(build_path: Path) -> list[MartSummary]:
    """Check in a read-only connection that the build has marts and none is empty."""
    import duckdb

    with duckdb.connect(str(build_path), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not marts:
            raise BuildFailed("warehouse", build_path.name, "marts_exist", f"no tables in schema {MARTS_SCHEMA}")
        summaries = []
        for mart in marts:
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [MARTS_SCHEMA, mart],
                ).fetchall()
            }
            latest = "max(period_month)" if "period_month" in columns else "null"
            # Names come from the catalogue, not from input.
            query = f'select count(*), {latest} from {MARTS_SCHEMA}."{mart}"'  # noqa: S608
            rows, latest_month = con.execute(query).fetchone()
            if not rows:
                raise BuildFailed("warehouse", build_path.name, "mart_not_empty", f"{MARTS_SCHEMA}.{mart} has no rows")
            summaries.append(MartSummary(mart, int(rows), latest_month.isoformat() if latest_month else None))
    return summaries


def accept(candidate: Path) -> Path:
    """Audit a candidate build; keep it as a read-only warehouse-* build, or delete it."""
    try:
        audit(candidate)
    except BuildFailed:
        _discard(candidate)
        raise
    accepted = candidate.with_name(candidate.name.replace(CANDIDATE_PREFIX, BUILD_PREFIX, 1))
    for kind in SIDECARS:
        if sidecar(candidate, kind).exists():
            os.replace(sidecar(candidate, kind), sidecar(accepted, kind))
    candidate.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # readers cannot change a kept build
    os.replace(candidate, accepted)
    return accepted


def _link_into_place(build_path: Path, published: Path) -> None:
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.{os.getpid()}.swap")
    staging.unlink(missing_ok=True)
    try:
        os.link(build_path, staging)
    except OSError:  # another file system: copy, still renamed atomically
        shutil.copy2(build_path, staging)
    os.replace(staging, published)


def builds(settings: Settings) -> list[Path]:
    """Kept builds, oldest first."""
    return sorted(settings.builds_dir.glob(f"{BUILD_PREFIX}*.duckdb"))


def published_build(settings: Settings) -> Path | None:
    """The kept build the published file is, if any."""
    if not settings.warehouse_path.exists():
        return None
    current = settings.warehouse_path.stat()
    for path in builds(settings):
        if os.path.samestat(path.stat(), current):
            return path
    return None


def _publication_lock(settings: Settings):
    """One publication (or rollback) at a time, whatever runs it: Airflow, make, a person."""
    return _lock(settings, ".publish.lock", "publication")


def docs_path(settings: Settings) -> Path:
    """The dbt docs page of the published build (one self-contained HTML file)."""
    return settings.data_dir / "docs" / "dbt" / "index.html"


def _publish_docs(settings: Settings, build_path: Path) -> None:
    page = sidecar(build_path, "docs")
    if not page.exists():
        log.warning("%s has no dbt docs page; %s left as it was", build_path.name, docs_path(settings))
        return
    target = docs_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(page, partial)
    os.replace(partial, target)


def publish(settings: Settings, build_path: Path) -> Path:
    """Publish an accepted build unless a newer one is already published."""
    if not build_path.name.startswith(BUILD_PREFIX):
        raise BuildFailed("warehouse", build_path.name, "accepted", "only audited warehouse-* builds are published")
    with _publication_lock(settings):
        current = published_build(settings)
        if current is not None and current.name > build_path.name:
            raise BuildFailed(
                "warehouse", build_path.name, "newest_wins", f"{current.name}, built later, is already published"
            )
        _link_into_place(build_path, settings.warehouse_path)
        _publish_docs(settings, build_path)
        log.info("published %s as %s (dbt docs: %s)", build_path.name, settings.warehouse_path, docs_path(settings))
        for old in builds(settings)[: -settings.keep_builds]:
            if old != build_path:
                _discard(old)
    return settings.warehouse_path


def export_marts(settings: Settings, build_path: Path) -> list[Path]:
    """Write every mart of a build to exports/<mart>.parquet, each file replaced atomically,
    for tools that read Parquet rather than DuckDB."""
    import duckdb

    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(build_path), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
            ).fetchall()
        ]
        for mart in marts:
            target = settings.exports_dir / f"{mart}.parquet"
            partial = target.with_name(f".{mart}.{os.getpid()}.parquet")
            # Names come from the catalogue; the path is the project's own, its quotes doubled.
            quoted_path = str(partial).replace("'", "''")
            con.execute(f"copy {MARTS_SCHEMA}.\"{mart}\" to '{quoted_path}' (format parquet)")
            os.replace(partial, target)
            written.append(target)
    return written


def rollback(settings: Settings) -> Path:
    """Publish the build before the current one."""
    with _publication_lock(settings):
        kept = builds(settings)
        current = published_build(settings)
        older = [b for b in kept if current is None or b < current]
        if current is None or not older:
            raise BuildFailed(
                "warehouse", str(settings.warehouse_path), "rollback", "no earlier build is kept to roll back to"
            )
        _link_into_place(older[-1], settings.warehouse_path)
        _publish_docs(settings, older[-1])
        return older[-1]


def summary_line(settings: Settings) -> str:
    marts = audit(settings.warehouse_path)
    parts = ", ".join(
        f"{m.name}: {m.rows:,} rows" + (f", latest month {m.latest_month}" if m.latest_month else "") for m in marts
    )
    return f"{settings.warehouse_path} -- {parts}"
