"""Build the warehouse with dbt into a new file, audit it, then publish it atomically.

DuckDB allows one writer per file and a reader in another process blocks a writer, so
the build never touches the published file. Each build is a folder:

    builds/candidate-<stamp>/warehouse.duckdb   dbt writes here, then its docs page and run results
    builds/warehouse-<stamp>/                   the same folder once audited: read-only file,
        warehouse.duckdb, docs.html,            dbt docs, run results and the marts as Parquet
        run_results.json, exports/

Every build's file is named warehouse.duckdb, so its DuckDB catalog is ``warehouse``
whichever build it is, as the dbt docs name it. Publication replaces one symlink,
``warehouse_path`` -> builds/warehouse-<stamp>/warehouse.duckdb, and one more for the
Parquet exports, each atomically. DuckDB keys its per-process instance cache by the
resolved path, so a connection opened after a publication gets the new build even while
an older connection in the same process still reads the old one. Only audited builds
are named warehouse-*, so only they can be published or rolled back to; the last
``keep_builds`` of them stay on disk.
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
BUILD_FILE = "warehouse.duckdb"
# The storage format builds are written in: readable by DuckDB 1.4 (long-term support)
# and later, so BI drivers and CLIs built on DuckDB 1.x open the warehouse.
STORAGE_VERSION = "v1.4.0"
# builds/<this link>/warehouse.duckdb is where dbt writes: the link names the candidate.
BUILDING_LINK = ".dbt-building"
# dbt's saved parse, which partial parsing starts from.
PARSE_STATE = "partial_parse.msgpack"
# What dbt (DuckDB) says when a write finds the disk full.
DISK_FULL = "No space left on device"


class BuildFailed(PipelineError):
    """dbt or the audit rejected a build; the published warehouse is unchanged."""


class NotReady(Exception):
    """Nothing is built yet because a mart still lacks a source: not a failure, a wait."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__(plan.reason)


@dataclass(frozen=True)
class Plan:
    """Whether a build is due, and why (``reason`` is the line a log or the CLI prints).

    ``waiting`` maps each registered source with nothing published to the marts that
    need it; ``changed`` lists the published vintages the published warehouse was not
    built from (every one when nothing is published)."""

    due: bool
    reason: str
    waiting: dict[str, list[str]]
    changed: list[str]
    published_marts: list[str] | None


@dataclass(frozen=True)
class MartSummary:
    name: str
    rows: int
    latest_month: str | None


def new_build_path(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = settings.builds_dir / f"{CANDIDATE_PREFIX}{stamp}"
    folder.mkdir(parents=True)
    return folder / BUILD_FILE


def build_id(build_path: Path) -> str:
    """warehouse-<stamp> (or candidate-<stamp>): the build's folder name."""
    return build_path.parent.name


def _remove_stale_candidates(settings: Settings) -> None:
    """A killed build leaves its candidate folder (file, write-ahead log, docs): remove it
    once it is older than any build could run."""
    now = datetime.now(UTC).timestamp()
    for folder in settings.builds_dir.glob(f"{CANDIDATE_PREFIX}*"):
        if folder.is_dir() and now - folder.stat().st_mtime > STALE_CANDIDATE_S:
            _discard(folder / BUILD_FILE)
    # A write-ahead log whose database is gone (a killed process, a file removed by hand)
    # is never replayed by anyone: remove it.
    for wal in [*settings.builds_dir.glob("*/*.wal"), *settings.data_dir.glob("*.wal")]:
        database = wal.with_suffix("")
        if not database.exists() and now - wal.stat().st_mtime > STALE_CANDIDATE_S:
            log.warning("removing the write-ahead log of a database that no longer exists: %s", wal)
            wal.unlink(missing_ok=True)


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
        "DUCKDB_STORAGE_VERSION": STORAGE_VERSION,
        "WAREHOUSE_BUILD_ID": build_id(build_path),
    }


def parse_stable_env(settings: Settings) -> dict[str, str]:
    """The paths dbt reads while parsing, relative to the data folder (the dbt process's
    working directory): dbt keeps a parse only while its profile and the environment
    variables the project read are unchanged, and with these the parse is the same for
    every build and every data folder. Staging reads the Parquet area only while it
    builds (views never name it), so no published relation holds the relative path."""
    return {
        "DBT_DUCKDB_PATH": str(Path(settings.builds_dir.name) / BUILDING_LINK / BUILD_FILE),
        "WAREHOUSE_PUBLISHED_DIR": settings.published_dir.name,
    }


def parse_state(settings: Settings) -> Path:
    """Where dbt keeps a build's parse (partial parsing starts from it)."""
    return dbt_target_dir(settings) / PARSE_STATE


def project_parse_state(settings: Settings) -> Path:
    """The project's own parse, made once per code change (``make install``); a data folder
    whose dbt has not parsed yet starts from it."""
    return settings.dbt_project_dir / "target" / PARSE_STATE


def parse_project(settings: Settings) -> Path:
    """Parse the dbt project as a build parses it and keep the parse with the project."""
    target = project_parse_state(settings).parent
    command = [dbt_executable(), "parse", "--project-dir", str(settings.dbt_project_dir), "--target-path", str(target)]
    building = settings.builds_dir / BUILDING_LINK / BUILD_FILE  # named, never opened: parse connects to nothing
    env = {**dbt_env(settings, building), **parse_stable_env(settings)}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(command, env=env, cwd=settings.data_dir, text=True, capture_output=True, check=False)
    if completed.returncode != 0:
        raise _dbt_failed(completed, building, "parse")
    return project_parse_state(settings)


def run_dbt(settings: Settings, build_path: Path, *args: str) -> None:
    """Run one dbt command (a subprocess, so no lock on the file outlives it)."""
    command = [dbt_executable(), *args, "--project-dir", str(settings.dbt_project_dir)]
    completed = _dbt_process(settings, build_path, command)
    if completed.returncode != 0:
        raise _dbt_failed(completed, build_path, args[0])


def _dbt_process(
    settings: Settings,
    build_path: Path,
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    build_path.parent.mkdir(parents=True, exist_ok=True)
    log.info("running %s on %s", " ".join(command), build_path)
    env = env or dbt_env(settings, build_path)
    completed = subprocess.run(command, env=env, text=True, capture_output=True, check=False, cwd=cwd)
    for line in (completed.stdout + completed.stderr).splitlines():
        log.info("dbt | %s", line)
    return completed


def _dbt_failed(completed: subprocess.CompletedProcess, build_path: Path, step: str) -> BuildFailed:
    output = completed.stdout + completed.stderr
    if DISK_FULL in output:  # not the data's fault: no vintage is quarantined for it
        detail = f"dbt {step}: {DISK_FULL} in {build_path.parent} (the disk holding {build_path.parent.parent})"
        return BuildFailed("warehouse", str(build_path.parent), "disk_space", detail)
    failing = [ln for ln in output.splitlines() if "ERROR" in ln or "FAIL" in ln][-10:]
    failing = failing or output.splitlines()[-10:]  # a parse error has no ERROR lines
    detail = f"exit code {completed.returncode}:\n  " + "\n  ".join(failing)
    return BuildFailed("dbt", build_id(build_path), f"dbt {step}", detail)


def dbt_session_command(spec: dict) -> list[str]:
    return [sys.executable, "-m", "treasury_warehouse.warehouse.dbt_session", json.dumps(spec)]


def run_dbt_session(settings: Settings, build_path: Path, excluded: list[str], carry: Carry | None) -> None:
    """source freshness, build and docs generate in one dbt process (``dbt_session``): all
    of it, or with ``carry`` only the models downstream of the sources that changed."""
    spec = {
        "build_path": str(build_path),
        "data_dir": str(settings.data_dir),
        "warehouse_path": str(settings.warehouse_path),
        "dbt_project_dir": str(settings.dbt_project_dir),
        "exclude": excluded,
        "docs": carry is None,
    }
    if carry is not None:
        spec["select"] = [*(f"source:{source}+" for source in carry.sources), *ALWAYS_BUILT]
        spec["carry"] = {"build": build_id(carry.build), "sources": carry.sources}
    command = dbt_session_command(spec)
    env, cwd = dbt_env(settings, build_path), None
    if build_path.parent.parent == settings.builds_dir:
        # dbt parses the whole project again when its profile changes, and the profile holds
        # the file's path: dbt writes through one link that names the build being made, and
        # reads its paths relative to the data folder (parse_stable_env).
        link = settings.builds_dir / BUILDING_LINK
        _link_into_place(build_path.parent, link)
        env.update(parse_stable_env(settings))
        cwd = settings.data_dir
    completed = _dbt_process(settings, build_path, command, env, cwd)
    lines = completed.stdout.strip().splitlines()
    try:
        verdict = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        verdict = {}
    if completed.returncode == 0 and verdict.get("ok"):
        return
    if "error" in verdict:
        raise BuildFailed(*verdict["error"])
    raise _dbt_failed(completed, build_path, verdict.get("failed") or "build")


def unpublished_selectors(settings: Settings) -> list[str]:
    """dbt selections of the models whose source has nothing published yet."""
    from treasury_warehouse.ingest.sources import SOURCES

    published_sources = {SOURCES[name].dbt_source for name in published_source_names(settings)}
    # An optional input is not left out: its staging model is built empty (source_is_published).
    return sorted(
        {s.dbt_selector for s in SOURCES.values() if s.dbt_source not in published_sources and not s.optional_input}
    )


def published_source_names(settings: Settings) -> list[str]:
    """The registered sources with a vintage published."""
    from treasury_warehouse.ingest.sources import SOURCES

    return sorted(name for name in SOURCES if any((settings.published_dir / name).glob("*.parquet")))


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
    """A file that belongs to one build: its dbt docs page, dbt run results, Parquet exports,
    report, or the file BI tools open (its marts and meta alone)."""
    name = {
        "docs": "docs.html",
        "run_results": "run_results.json",
        "exports": "exports",
        "report": "report",
        "bi": "bi.duckdb",
    }[kind]
    return build_path.parent / name


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


def _project_fingerprint(project_dir: Path) -> tuple[str, float]:
    files = [p for p in project_dir.rglob("*") if p.suffix in {".sql", ".yml", ".yaml", ".csv"}]
    files = [p for p in files if not p.is_relative_to(project_dir / "target")]
    return str(project_dir), max((p.stat().st_mtime for p in files), default=0.0)


_NEEDS_CACHE: dict[tuple[str, float], dict[str, list[str]]] = {}


def mart_needs(settings: Settings) -> dict[str, list[str]]:
    """Each mart of the dbt project and the registered sources it is built from.

    Read from the manifest of ``dbt parse`` (cached per state of the project). Keyed
    sources (an API that needs a key) are optional: no mart waits for them."""
    from treasury_warehouse.ingest import quarantine
    from treasury_warehouse.ingest.sources import SOURCES

    key = _project_fingerprint(settings.dbt_project_dir)
    if key not in _NEEDS_CACHE:
        target = settings.data_dir / "dbt" / "plan"
        run_dbt(settings, target / BUILD_FILE, "parse", "--target-path", str(target))
        manifest = json.loads((target / "manifest.json").read_text())
        registered: dict[str, list[str]] = {}
        for source in SOURCES.values():
            if not source.api_key_env:
                registered.setdefault(source.dbt_source, []).append(source.name)
        _NEEDS_CACHE[key] = {
            node["name"]: sorted(
                name
                for dbt_source in quarantine.upstream_sources(manifest, unique_id)
                for name in registered.get(dbt_source, [])
            )
            for unique_id, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
        }
    return _NEEDS_CACHE[key]


def marts_in(build_path: Path) -> list[str]:
    """The tables in the marts schema of a build."""
    import duckdb

    with duckdb.connect(str(build_path), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    return [row[0] for row in rows]


def _published_sources(settings: Settings) -> set[str]:
    from treasury_warehouse.ingest.sources import SOURCES

    return {name for name in SOURCES if any((settings.published_dir / name).glob("*.parquet"))}


def _waiting(settings: Settings) -> dict[str, list[str]]:
    published = _published_sources(settings)
    if not _unpublished(settings):  # every mart's sources are there: no parse needed to say so
        return {}
    waiting: dict[str, list[str]] = {}
    fetchable = _fetchable(settings)
    for mart, sources in mart_needs(settings).items():
        for source in sources:
            if source not in published and source in fetchable:
                waiting.setdefault(source, []).append(mart)
    return {source: sorted(marts) for source, marts in sorted(waiting.items())}


def _waiting_line(waiting: dict[str, list[str]], shown: int = 4) -> str:
    """The sources a first build waits for, and their marts: short enough for one line."""

    def one(source: str, marts: list[str]) -> str:
        return f"{source} (for {', '.join(marts)})" if len(marts) <= 2 else f"{source} (for {len(marts)} marts)"

    line = "; ".join(one(source, marts) for source, marts in list(waiting.items())[:shown])
    return line + (f"; and {len(waiting) - shown} more sources" if len(waiting) > shown else "")


def changed_since(settings: Settings, build_path: Path | None) -> list[str]:
    """Published vintages a build was not made from: new files, and files rewritten after
    it (a forced re-publication keeps the file's name)."""
    from treasury_warehouse.ingest import quarantine

    files = quarantine.published_files(settings)
    built_from = quarantine.inputs_of(build_path) if build_path is not None else None
    if built_from is None:
        return files
    made = (build_path.parent / quarantine.INPUTS_FILE).stat().st_mtime
    return [f for f in files if f not in built_from or (settings.published_dir / f).stat().st_mtime > made]


def plan(settings: Settings, force: bool = False) -> Plan:
    """Is a build due? Not while a first warehouse would lack a mart (it waits for the
    sources, which is no failure), nor when the published warehouse was built from
    every published vintage; yes when anything published is newer, or when forced."""
    current = published_build(settings)
    changed = changed_since(settings, current)
    published_marts = marts_in(current) if current is not None else None
    waiting = _waiting(settings) if changed or force else {}

    def verdict(due: bool, reason: str) -> Plan:
        return Plan(due, reason, waiting, changed, published_marts)

    held = hold_of(settings)
    if held is not None:
        return verdict(False, held.reason(len(changed)))
    if force:
        return verdict(True, "forced: build whatever is published, however many marts it gives")
    if not changed:
        if current is None:
            return verdict(False, f"nothing published yet: waiting for sources: {_waiting_line(_waiting(settings))}")
        return verdict(False, f"up to date: {build_id(current)} was built from every published vintage")
    if current is None and waiting:
        return verdict(False, f"the first warehouse waits for every mart's sources: {_waiting_line(waiting)}")
    since = f"since {build_id(current)}" if current is not None else "and no warehouse yet"
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return verdict(True, f"{len(changed)} published vintage(s) {since}: {shown}")


def build(settings: Settings, partial: bool = False, full: bool = False) -> Path:
    """dbt build (models and every test) into a new file, then its docs; return its path.

    A warehouse is complete or it is not built: the first one waits (``NotReady``) until
    every source a mart needs has been published, and a later one may not lack a mart
    the published build has (``marts_kept``). ``partial`` lifts both (a forced build):
    models on a source that has never been published are then left out. One build
    runs at a time (a lock under builds/); the dbt run results and a static dbt docs
    page are kept beside the build. If dbt fails on vintages published since the
    published warehouse was built, they are quarantined and the build runs once more
    without them (``quarantine.held_back`` on the result says which).

    When the published build was made by the same project (``project_fingerprint``), the
    new build starts from a copy of it and rebuilds, and tests, only what depends on the
    sources with new vintages (``carry_plan``); ``full`` builds everything."""
    from treasury_warehouse.ingest import quarantine

    held = hold_of(settings)
    if held is not None:
        raise NotReady(Plan(False, held.reason(len(changed_since(settings, published_build(settings)))), {}, [], None))
    current = published_build(settings)
    if not partial and current is None and quarantine.published_files(settings):
        waiting = _waiting(settings)
        if waiting:
            reason = f"the first warehouse waits for every mart's sources: {_waiting_line(waiting)}"
            raise NotReady(Plan(False, reason, waiting, quarantine.published_files(settings), None))
    build_path = _build_with_quarantine(settings, current, full)
    if not partial and current is not None:
        lost = sorted(set(marts_in(current)) - set(marts_in(build_path)))
        if lost:
            _discard(build_path)
            raise BuildFailed(
                "warehouse",
                build_id(build_path),
                "marts_kept",
                f"it lacks {', '.join(lost)}, which the published {build_id(current)} has"
                f" (sources with nothing published: {', '.join(sorted(_unpublished(settings))) or 'none'});"
                " publish fewer marts only on purpose: force the build",
            )
    return build_path


PROJECT_FILE = "project.json"
# Rebuilt by every build: what the build is, and how fresh each source is.
ALWAYS_BUILT = ("meta_build", "meta_sources", "meta_changes+")


def project_fingerprint(settings: Settings) -> str:
    """What a build's relations depend on besides the published data: the dbt project's
    files, the dbt versions, and the year (the blocs are carried to the current year)."""
    import hashlib
    from importlib import metadata

    root = settings.dbt_project_dir
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".sql", ".yml", ".yaml", ".csv"} and not path.is_relative_to(root / "target"):
            digest.update(f"{path.relative_to(root)}\0".encode())
            digest.update(path.read_bytes())
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    digest.update(str(datetime.now(UTC).year).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Carry:
    """A build that starts from a copy of the published one and rebuilds the models
    downstream of ``sources`` (dbt sources with new vintages); every other relation is
    carried over unchanged."""

    build: Path
    sources: list[str]

    def line(self) -> str:
        return f"rebuilding what depends on {', '.join(self.sources)}; the rest carried from {build_id(self.build)}"


def carry_plan(settings: Settings, current: Path | None, fingerprint: str) -> Carry | None:
    """What a build may carry over from the published one, or None for a full build: none
    is published, it was made by another project (or dbt, or year), its inputs are not
    recorded, nothing changed (a forced build), or a source it was built from has nothing
    published any more."""
    from treasury_warehouse.ingest import quarantine
    from treasury_warehouse.ingest.sources import SOURCES

    if current is None or not (current.parent / PROJECT_FILE).exists():
        return None
    if json.loads((current.parent / PROJECT_FILE).read_text()).get("fingerprint") != fingerprint:
        return None
    inputs = quarantine.inputs_of(current)
    if inputs is None:
        return None
    published = set(quarantine.published_files(settings))
    changed = set(changed_since(settings, current)) | (set(inputs) - published)
    names = {path.split("/")[0] for path in changed}
    if not names or any(name not in SOURCES for name in names):
        return None
    if names - {path.split("/")[0] for path in published}:
        return None  # a source went (quarantined): its models must go too, as a full build drops them
    return Carry(current, sorted({SOURCES[name].dbt_source for name in names}))


def _fetchable(settings: Settings) -> set[str]:
    """The sources a first build waits for: those this deployment can publish without a key
    (all of them from a mirror, those with a keyless live path from the publishers; the
    night's summary names the others), optional inputs aside (their models are built empty)."""
    from treasury_warehouse.ingest.sources import SOURCES

    return {
        name
        for name, s in SOURCES.items()
        if not s.api_key_env and not s.optional_input and (s.url or settings.source_mirror)
    }


def _unpublished(settings: Settings) -> set[str]:
    return _fetchable(settings) - _published_sources(settings)


def _build_with_quarantine(settings: Settings, current: Path | None, full: bool) -> Path:
    from treasury_warehouse.ingest import quarantine

    try:
        return _build(settings, full)
    except BuildFailed as exc:
        inputs = quarantine.inputs_of(current) if current is not None else None
        if exc.rule != "dbt build" or inputs is None:
            raise
        held = quarantine.suspects(settings, inputs, dbt_target_dir(settings), exc.file)
        if not held:
            raise
        quarantine.hold(settings, held)
    try:
        build_path = _build(settings, full)
    except BuildFailed:
        quarantine.release(settings, held)
        raise
    quarantine.record(build_path, held)
    return build_path


def _build(settings: Settings, full: bool = False) -> Path:
    from treasury_warehouse.ingest import quarantine

    excluded = unpublished_selectors(settings)
    if not published_source_names(settings):
        raise BuildFailed(
            "warehouse",
            str(settings.published_dir),
            "sources_published",
            "no source has been published yet: run an ingest DAG first",
        )
    if excluded:
        log.info("not built, nothing published yet: %s", ", ".join(excluded))
    with _lock(settings, ".build.lock", "warehouse build"):
        _remove_stale_candidates(settings)
        build_path = new_build_path(settings)
        target = dbt_target_dir(settings)
        try:
            quarantine.write_inputs(build_path, quarantine.published_files(settings))
            fingerprint = project_fingerprint(settings)
            (build_path.parent / PROJECT_FILE).write_text(json.dumps({"fingerprint": fingerprint}) + "\n")
            carry = None if full else carry_plan(settings, published_build(settings), fingerprint)
            if carry is not None:
                log.info("%s", carry.line())
                shutil.copyfile(carry.build, build_path)
                build_path.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
            try:
                run_dbt_session(settings, build_path, excluded, carry)
            finally:
                _keep_run_results(target, build_path)
            if carry is None:
                shutil.copyfile(target / "static_index.html", sidecar(build_path, "docs"))
            elif sidecar(carry.build, "docs").exists():  # the same project and relations: the same page
                shutil.copyfile(sidecar(carry.build, "docs"), sidecar(build_path, "docs"))
        except BuildFailed:
            _discard(build_path)  # at once: a full disk is not kept full until a sweep
            raise
        except OSError as exc:
            _discard(build_path)
            raise _write_failed(exc, build_path.parent) from exc
    return build_path


def _keep_run_results(target: Path, build_path: Path) -> None:
    """Keep dbt's run results beside the build (the dbt process keeps the build's own, before
    its docs step writes others; failing that, the last in the target folder); a copy that
    fails (a full disk) never hides the build's own outcome."""
    if sidecar(build_path, "run_results").exists():
        _log_node_results(build_path)
        return
    if not (target / "run_results.json").exists():
        return
    try:
        shutil.copyfile(target / "run_results.json", sidecar(build_path, "run_results"))
    except OSError as exc:
        log.warning("the run results of %s were not kept: %s", build_id(build_path), exc)
        return
    _log_node_results(build_path)


def _write_failed(exc: OSError, folder: Path) -> BuildFailed:
    """A write that failed, as the build's error: which folder, and whether the disk is full."""
    import errno

    full = exc.errno == errno.ENOSPC
    detail = f"{exc.strerror or exc}: {exc.filename or folder}" + (
        f" (the disk holding {folder.parent} is full; the half-written build was removed)" if full else ""
    )
    return BuildFailed("warehouse", str(folder), "disk_space" if full else "write", detail)


def build_facts(settings: Settings, build_path: Path, excluded: list[str], carry: dict | None = None) -> dict:
    """What meta.build and meta.sources hold: the build (and, carried over, from which build
    and what it rebuilt), and per source its newest vintage and dbt's source freshness verdict
    (run just before, in the target folder; it warns in the log, never fails the build)."""
    from treasury_warehouse.ingest.sources import SOURCES
    from treasury_warehouse.warehouse import changes, freshness

    published = published_source_names(settings)
    not_built = {selector.removeprefix("source:").removesuffix("+") for selector in excluded}
    # An optional input with nothing published is built empty: not built, unless another
    # published source shares its dbt source (FRED's series share one).
    feeding = {SOURCES[name].dbt_source for name in published}
    not_built |= {s.dbt_source for s in SOURCES.values() if s.optional_input and s.dbt_source not in feeding}
    built = {s.dbt_source for s in SOURCES.values()} - not_built
    verdicts = freshness.dbt_freshness(dbt_target_dir(settings))
    try:
        status = freshness.source_status(settings, built, verdicts)
    except PipelineError as exc:  # a published file that cannot be read fails the build, named
        raise BuildFailed(exc.source, exc.file, exc.rule, exc.detail) from exc
    for name, verdict in sorted(verdicts.items()):
        if verdict["status"] != "pass":  # the summary's "stale" line names them
            log.info(
                "source %s: newest period %s days old, %s after %s days",
                name,
                verdict["age_days"],
                verdict["status"],
                verdict["warn_after_days"],
            )
    previous = published_build(settings)
    return {
        "warehouse_build": {
            "build_id": build_id(build_path).replace(CANDIDATE_PREFIX, BUILD_PREFIX, 1),
            # What meta.meta_changes compares this build with: the published one.
            "previous_build_id": build_id(previous) if previous is not None else None,
            "previous_build_path": str(previous.resolve()) if previous is not None else None,
            "code_revision": freshness.code_revision(),
            "storage_version": STORAGE_VERSION,
            "sources_not_built": sorted(not_built),
            "published_sources": published,
            "carried_from_build": (carry or {}).get("build"),
            "rebuilt_sources": (carry or {}).get("sources", []),
        },
        "source_status": status,
        "changes": changes.change_rows(settings, previous),
    }


def _log_node_results(build_path: Path) -> None:
    for node in sorted(node_results(build_path), key=lambda n: n.unique_id):
        log.info("dbt node %-8s %6.2fs %s %s", node.status, node.seconds, node.unique_id, node.message)


def _discard(build_path: Path) -> None:
    """Remove a build's folder: its file, write-ahead log, docs, results and exports."""
    if build_path.parent.name.startswith((CANDIDATE_PREFIX, BUILD_PREFIX)):
        shutil.rmtree(build_path.parent, ignore_errors=True)


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
    """Audit a candidate build and write its marts as Parquet; keep it as a read-only
    warehouse-* build folder, or delete it."""
    try:
        audit(candidate)
    except BuildFailed:
        _discard(candidate)
        raise
    try:
        export_marts(candidate)
        write_bi_file(candidate)
    except OSError as exc:
        _discard(candidate)
        raise _write_failed(exc, candidate.parent) from exc
    except Exception:
        _discard(candidate)
        raise
    candidate.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # readers cannot change a kept build
    accepted_folder = candidate.parent.with_name(build_id(candidate).replace(CANDIDATE_PREFIX, BUILD_PREFIX, 1))
    os.replace(candidate.parent, accepted_folder)
    return accepted_folder / BUILD_FILE


def _link_into_place(target: Path, published: Path) -> None:
    """Point the symlink ``published`` at ``target`` in one rename (relative when they
    share a tree, so a container mounting the data folder elsewhere resolves it too)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.{os.getpid()}.swap")
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(os.path.relpath(target, published.parent))
    if published.is_dir() and not published.is_symlink():
        # An exports folder from before builds had their own: moved aside, then removed.
        aside = published.with_name(f".{published.name}.{os.getpid()}.old")
        os.replace(published, aside)
        shutil.rmtree(aside)
    os.replace(staging, published)


def builds(settings: Settings) -> list[Path]:
    """Kept builds, oldest first."""
    return sorted(
        folder / BUILD_FILE for folder in settings.builds_dir.glob(f"{BUILD_PREFIX}*") if (folder / BUILD_FILE).exists()
    )


def published_build(settings: Settings) -> Path | None:
    """The kept build the published path points at, if any."""
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


def report_path(settings: Settings) -> Path:
    """The published build's report page (data/report links to the build's report folder)."""
    return settings.data_dir / "report" / "index.html"


def link_report(settings: Settings, build_path: Path) -> None:
    """Publish a build's report: data/report points at its folder, in one rename."""
    _link_into_place(sidecar(build_path, "report"), settings.data_dir / "report")


def _switch_to(settings: Settings, build_path: Path) -> None:
    """Publish one build: the warehouse, its Parquet exports (one set), its docs page and,
    once made, its report (a rollback brings back the restored build's report)."""
    _link_into_place(build_path, settings.warehouse_path)
    if sidecar(build_path, "bi").exists():
        _link_into_place(sidecar(build_path, "bi"), settings.bi_path)
    elif settings.bi_path.is_symlink():
        settings.bi_path.unlink()  # a build from before BI files: no file rather than another build's
    if sidecar(build_path, "exports").is_dir():
        _link_into_place(sidecar(build_path, "exports"), settings.exports_dir)
    _publish_docs(settings, build_path)
    report_link = settings.data_dir / "report"
    if sidecar(build_path, "report").is_dir():
        link_report(settings, build_path)
    elif report_link.is_symlink():
        report_link.unlink()  # the report of another build would describe other data


def publish(settings: Settings, build_path: Path) -> Path:
    """Publish an accepted build unless a newer one is already published."""
    if not build_id(build_path).startswith(BUILD_PREFIX):
        raise BuildFailed(
            "warehouse", build_id(build_path), "accepted", "only audited warehouse-* builds are published"
        )
    with _publication_lock(settings):
        held = hold_of(settings)
        if held is not None:  # a rollback made while this build ran
            raise BuildFailed("warehouse", build_id(build_path), "held", held.reason(1))
        current = published_build(settings)
        if current is not None and build_id(current) > build_id(build_path):
            raise BuildFailed(
                "warehouse",
                build_id(build_path),
                "newest_wins",
                f"{build_id(current)}, built later, is already published",
            )
        _switch_to(settings, build_path)
        log.info(
            "published %s as %s (Parquet: %s; dbt docs: %s)",
            build_id(build_path),
            settings.warehouse_path,
            settings.exports_dir,
            docs_path(settings),
        )
        for old in builds(settings)[: -settings.keep_builds]:
            if old != build_path:
                _discard(old)
    return settings.warehouse_path


def export_marts(build_path: Path) -> list[Path]:
    """Write every mart of a build to <build>/exports/<mart>.parquet, with build.json
    saying which build they are; published with the build, as one set."""
    import duckdb

    folder = sidecar(build_path, "exports")
    folder.mkdir(exist_ok=True)
    written = []
    with duckdb.connect(str(build_path), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [MARTS_SCHEMA]
            ).fetchall()
        ]
        for mart in marts:
            target = folder / f"{mart}.parquet"
            # Names come from the catalogue; the path is the project's own, its quotes doubled.
            quoted_path = str(target).replace("'", "''")
            con.execute(f"copy {MARTS_SCHEMA}.\"{mart}\" to '{quoted_path}' (format parquet)")
            written.append(target)
    manifest = {
        "build": build_id(build_path).replace(CANDIDATE_PREFIX, BUILD_PREFIX, 1),
        "marts": {path.stem: path.name for path in written},
    }
    (folder / "build.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return written


# The schemas BI tools are offered: the answers and the build's facts.
BI_SCHEMAS = ("marts", "meta")


def write_bi_file(build_path: Path) -> Path:
    """Write <build>/bi.duckdb: the build's marts and meta alone, with their column types, not
    null and primary keys, and table and column comments, in the same storage format. BI tools
    open it, so they are offered the answers, not the layers that feed them."""
    import duckdb

    target = sidecar(build_path, "bi")
    target.unlink(missing_ok=True)
    quoted = str(target).replace("'", "''")
    schemas = ", ".join(f"'{s}'" for s in BI_SCHEMAS)
    source = str(build_path).replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"attach '{source}' as build (read_only)")
        con.execute(f"attach '{quoted}' as bi (storage_version '{STORAGE_VERSION}')")
        keys = {
            (schema, table): columns
            for schema, table, columns in con.execute(
                "select schema_name, table_name, constraint_column_names from duckdb_constraints()"  # noqa: S608
                f" where database_name = 'build' and constraint_type = 'PRIMARY KEY'"
                f" and schema_name in ({schemas})"
            ).fetchall()
        }
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables()"  # noqa: S608
            f" where database_name = 'build' and schema_name in ({schemas}) order by 1, 2"
        ).fetchall()
        # One transaction: a failure leaves no table half copied or without its comments.
        con.execute("begin transaction")
        for schema in BI_SCHEMAS:
            con.execute(f'create schema bi."{schema}"')
        # Names, types and comments come from the build's own catalogue, not from input.
        for schema, table, comment in tables:
            columns = con.execute(
                "select column_name, data_type, is_nullable, comment from duckdb_columns()"
                " where database_name = 'build' and schema_name = ? and table_name = ?"
                " order by column_index",
                [schema, table],
            ).fetchall()
            parts = [f'"{name}" {kind}{"" if nullable else " not null"}' for name, kind, nullable, _ in columns]
            if (schema, table) in keys:
                parts.append("primary key ({})".format(", ".join(f'"{c}"' for c in keys[(schema, table)])))
            name = f'bi."{schema}"."{table}"'
            con.execute(f"create table {name} ({', '.join(parts)})")
            con.execute(f'insert into {name} select * from build."{schema}"."{table}"')  # noqa: S608
            if comment:
                con.execute(f"comment on table {name} is {_literal(comment)}")
            for column, _, _, column_comment in columns:
                if column_comment:
                    con.execute(f'comment on column {name}."{column}" is {_literal(column_comment)}')
        con.execute("commit")
        con.execute("detach bi")
        con.execute("detach build")
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


HOLD_FILE = "hold.json"


@dataclass(frozen=True)
class Hold:
    """A build an operator published by hand (rollback or roll-forward): builds wait until
    the operator releases it, whatever is published meanwhile. Not released by a newer
    vintage: nothing can tell whether that vintage fixes what the rollback was for, and a
    hold that ended by itself would publish the rolled-back data again."""

    build: str
    replaced: str
    by: str
    at: str

    def reason(self, waiting: int) -> str:
        return (
            f"held: {self.build} ({self.by} on {self.at}, in place of {self.replaced});"
            f" {waiting} published vintage(s) wait; make release lets builds publish again"
        )


def hold_of(settings: Settings) -> Hold | None:
    path = settings.builds_dir / HOLD_FILE
    if not path.exists():
        return None
    return Hold(**json.loads(path.read_text()))


def _hold(settings: Settings, hold: Hold) -> None:
    path = settings.builds_dir / HOLD_FILE
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(hold.__dict__, indent=2) + "\n")
    os.replace(partial, path)


@dataclass(frozen=True)
class Switch:
    """What a rollback or roll-forward published, and what it replaced."""

    published: Path
    replaced: Path
    held: bool

    def line(self, settings: Settings) -> str:
        hold = hold_of(settings)
        after = (
            f"held: builds wait until make release ({hold.build})"
            if hold is not None
            else "not held: the next build publishes as usual"
        )
        return f"published {build_id(self.published)} in place of {build_id(self.replaced)}; {after}"


def _switch_by_hand(settings: Settings, step: int, by: str) -> Switch:
    """Publish the kept build ``step`` places from the published one (-1 older, +1 newer)."""
    with _publication_lock(settings):
        kept = builds(settings)
        current = published_build(settings)
        if current is None:
            raise BuildFailed("warehouse", str(settings.warehouse_path), by, "no warehouse is published")
        index = kept.index(current) + step
        if not 0 <= index < len(kept):
            where = "earlier" if step < 0 else "newer"
            raise BuildFailed(
                "warehouse", build_id(current), by, f"no {where} build is kept to {by.replace('-', ' ')} to"
            )
        target = kept[index]
        _switch_to(settings, target)
        newest = target == kept[-1]
        if by == "roll-forward" and newest:
            (settings.builds_dir / HOLD_FILE).unlink(missing_ok=True)
        else:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            _hold(settings, Hold(build_id(target), build_id(current), by, stamp))
        log.info("%s: published %s in place of %s", by, build_id(target), build_id(current))
        return Switch(target, current, hold_of(settings) is not None)


def rollback(settings: Settings) -> Switch:
    """Publish the build before the published one, and hold it: builds wait for a release."""
    return _switch_by_hand(settings, -1, "rollback")


def rollforward(settings: Settings) -> Switch:
    """Publish the build after the published one; at the newest kept build the hold ends."""
    return _switch_by_hand(settings, +1, "roll-forward")


def release(settings: Settings) -> Hold | None:
    """End a hold: the next build (nightly, an Asset event, make build) publishes as usual."""
    with _publication_lock(settings):
        held = hold_of(settings)
        (settings.builds_dir / HOLD_FILE).unlink(missing_ok=True)
        return held


def summary_line(settings: Settings) -> str:
    """The published warehouse in one line: its path, build, marts and rows."""
    import duckdb

    marts = audit(settings.warehouse_path)
    months = [m.latest_month for m in marts if m.latest_month]
    newest = f", newest month {max(months)[:7]}" if months else ""
    rows = sum(m.rows for m in marts)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        build, revision, built_at = con.execute(
            "select build_id, code_revision, built_at from meta.meta_build"
        ).fetchone()
    return (
        f"{settings.warehouse_path} ({build}, built {built_at:%Y-%m-%d %H:%M} UTC from code {revision};"
        f" {len(marts)} marts, {rows:,} rows{newest})"
    )


def mart_lines(settings: Settings) -> list[str]:
    """One line per mart of the published warehouse: rows and latest month."""
    return [
        f"  {m.name}: {m.rows:,} rows" + (f", latest month {m.latest_month}" if m.latest_month else "")
        for m in audit(settings.warehouse_path)
    ]


def freshness_lines(settings: Settings) -> list[str]:
    """The published build's stale sources, those not in it and, fetching from the publishers,
    those only a mirror can provide, from its meta tables."""
    import duckdb

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        stale = con.execute(
            "select source_name, last_period_covered, freshness_warn_after_days from meta.meta_sources"
            " where is_stale order by source_name"
        ).fetchall()
        missing = [r[0] for r in con.execute("select source_name from meta.meta_sources where not is_built").fetchall()]
        columns = {r[0] for r in con.execute("describe meta.meta_sources").fetchall()}
        without = (
            con.execute(
                "select source_name, live_path, no_live_path from meta.meta_sources"
                " where live_path <> 'keyless' order by live_path desc, source_name"
            ).fetchall()
            if "no_live_path" in columns and not settings.source_mirror
            else []
        )
    lines = []
    if without:  # fetched from the publishers: these cannot be (or need a key), and say why every night
        lines.append(
            f"{len(without)} sources without a keyless live path (each needs its key, or a mirror holding"
            " meta.meta_sources.mirror_path):"
        )
        lines.extend(f"  {name} ({kind.replace('_', ' ')}): {why}" for name, kind, why in without)
    if stale:
        names = [name for name, _, _ in stale]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        lines.append(f"stale (newest period older than the publisher's cycle; meta.meta_sources): {shown}")
    if missing:
        lines.append("not published, not in this build: " + ", ".join(missing))
    return lines
