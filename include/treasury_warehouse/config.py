"""Settings read from the environment, with embedded defaults for a local run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads and writes.

    data_dir/raw        immutable landed files, one folder per source and sha256
    data_dir/candidates parsed tables waiting for the quality gate
    data_dir/published  gated tables that dbt reads, one Parquet file per vintage
    data_dir/quality    Great Expectations project: suites, results, Data Docs
    data_dir/builds     the last warehouse builds, a folder each (file, docs, run results, Parquet)
    data_dir/exports    symlink to the published build's marts as Parquet, one file each
    data_dir/quarantine published vintages held back because the build failed on them
    """

    data_dir: Path
    warehouse_path: Path
    source_mirror: str | None
    keep_builds: int
    dbt_project_dir: Path

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def candidates_dir(self) -> Path:
        return self.data_dir / "candidates"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def alerts_dir(self) -> Path:
        """Failures already reported (notify.send sends each once)."""
        return self.data_dir / "alerts"

    @property
    def builds_dir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def bi_path(self) -> Path:
        """The published build's marts and meta alone: the file BI tools open."""
        return self.data_dir / "bi.duckdb"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("DATA_DIR", PROJECT_ROOT / "data")).resolve()
        # Absolute, but not resolved: the published path is a symlink to a build, and
        # resolving it would make a publication replace that build's file.
        warehouse = Path(os.path.abspath(os.environ.get("WAREHOUSE_PATH", data_dir / "warehouse.duckdb")))
        keep_builds = int(os.environ.get("KEEP_BUILDS", "5"))
        if keep_builds < 1:
            raise ValueError(f"KEEP_BUILDS must be at least 1 (the published build), not {keep_builds}")
        mirror = os.environ.get("SOURCE_MIRROR") or None
        if mirror and "://" not in mirror:
            mirror = str(Path(mirror).resolve())
        return cls(
            data_dir=data_dir,
            warehouse_path=warehouse,
            source_mirror=mirror,
            keep_builds=keep_builds,
            dbt_project_dir=Path(os.environ.get("DBT_PROJECT_DIR", PROJECT_ROOT / "dbt_project")).resolve(),
        )
