"""How fresh each source is, for the meta schema of every build.

Per registered source: the newest published vintage (the one the marts read), its
release date and landing time, the last period it covers, and dbt's source freshness
verdict (thresholds per source in the staging sources YAML, on the newest period). The
build passes these facts to dbt (WAREHOUSE_BUILD_FACTS, see dbt_session.py); the models
meta.build and meta.sources hold them in the published file, so "as of when" is a query.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

from treasury_warehouse.config import PROJECT_ROOT, Settings
from treasury_warehouse.errors import PipelineError
from treasury_warehouse.ingest.sources import SOURCES, Source


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


def code_revision() -> str:
    """The git commit the build ran from (with -dirty for local changes), else the version."""
    configured = os.environ.get("WAREHOUSE_CODE_REVISION")
    if configured:
        return configured
    try:
        head = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return f"treasury-warehouse {metadata.version('treasury-warehouse')}"
    return head + ("-dirty" if dirty else "")


def _as_date(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):  # a year
        return date(value, 12, 31).isoformat()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


# Where a release date can come from (ingest.pipeline.parse_landed): a stamp in the file or
# its name, the publisher's listing, or its Last-Modified header. "landed" is not one.
RELEASE_BASES = ("file", "listing", "last_modified")


def live_path(source: Source) -> str:
    """How the source is fetched without a mirror: keyless, with a key, or not at all."""
    if source.api_key_env:
        return "key"
    return "keyless" if source.url else "mirror_only"


def latest_vintage(settings: Settings, source: Source) -> dict | None:
    """The newest published vintage of a source, chosen as the marts choose it: the latest
    release date, then the latest landing."""
    import duckdb

    files = sorted((settings.published_dir / source.name).glob("*.parquet"))
    if not files:
        return None
    period = f"max({source.period_column})" if source.period_column else "null"
    paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    with duckdb.connect() as con:
        try:
            # Paths are the project's own files, quotes doubled; the column name comes from the registry.
            relation = f"read_parquet([{paths}], union_by_name = true)"
            columns = {r[0] for r in con.execute(f"describe select * from {relation}").fetchall()}  # noqa: S608
            basis = "any_value(vintage_basis)" if "vintage_basis" in columns else "null"
            row = con.execute(
                f"select vintage, source_sha256, max(landed_at), {period}, {basis}"  # noqa: S608
                f" from {relation}"
                " group by vintage, source_sha256 order by vintage desc, max(landed_at) desc limit 1"
            ).fetchone()
        except duckdb.Error as exc:
            raise PipelineError(
                source.name, str(settings.published_dir / source.name), "published_readable", str(exc)
            ) from exc
    vintage, sha256, landed_at, last_period, basis = row
    # A vintage dated by its landing says nothing of when the publisher released the file.
    known = basis in RELEASE_BASES
    return {
        "latest_vintage_released_on": _as_date(vintage) if known else None,
        "release_date_basis": basis if known else "unknown",
        "latest_vintage_sha256": sha256,
        "landed_at": landed_at.isoformat() if landed_at is not None else None,
        "last_period_covered": _as_date(last_period),
    }


def dbt_freshness(target_dir: Path) -> dict[str, dict]:
    """dbt source freshness results by dbt source ('tic.major_foreign_holders')."""
    path = target_dir / "sources.json"
    if not path.exists():
        return {}
    results = json.loads(path.read_text()).get("results", [])
    verdicts = {}
    for result in results:
        dbt_source = ".".join(result["unique_id"].split(".")[-2:])
        warn_after = (result.get("criteria") or {}).get("warn_after") or {}
        verdicts[dbt_source] = {
            "status": result.get("status"),
            "warn_after_days": warn_after.get("count") if warn_after.get("period") == "day" else None,
            "age_days": round(result["max_loaded_at_time_ago_in_s"] / 86400, 1)
            if result.get("max_loaded_at_time_ago_in_s") is not None
            else None,
        }
    return verdicts


def source_status(settings: Settings, built_sources: set[str], freshness: dict[str, dict]) -> list[dict]:
    """One row per registered source, for meta.sources."""
    rows = []
    for source in SOURCES.values():
        vintage = latest_vintage(settings, source) if source.dbt_source in built_sources else None
        verdict = freshness.get(source.dbt_source, {})
        rows.append(
            {
                "source_name": source.name,
                "title": source.title,
                "dbt_source": source.dbt_source,
                "url": source.url,
                "live_path": live_path(source),
                "mirror_path": f"{source.publisher}/{source.file_name}",
                "no_live_path": source.no_live_path,
                "is_built": vintage is not None,
                **(
                    vintage
                    or {
                        "latest_vintage_released_on": None,
                        "release_date_basis": None,
                        "latest_vintage_sha256": None,
                        "landed_at": None,
                        "last_period_covered": None,
                    }
                ),
                "freshness_status": (verdict.get("status") or "not_checked") if vintage else "not_published",
                "freshness_warn_after_days": verdict.get("warn_after_days"),
            }
        )
    return rows
