from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from treasury_warehouse.ingest.fetch import Fetched
from treasury_warehouse.ingest.landing import land


def fetched(content: bytes) -> Fetched:
    return Fetched(url="http://127.0.0.1/tic/mfhhis01.txt", content=content, status=200, headers={"ETag": '"a"'})


def test_landing_keeps_bytes_and_a_manifest(tmp_path: Path) -> None:
    landed = land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path)

    assert landed.is_new
    assert landed.path.read_bytes() == b"release one"
    assert landed.path.parent.name == landed.sha256
    manifest = json.loads((landed.path.parent / "manifest.json").read_text())
    assert manifest["sha256"] == landed.sha256
    assert manifest["size_bytes"] == len(b"release one")
    assert manifest["http_status"] == 200
    assert manifest["http_headers"] == {"ETag": '"a"'}
    assert manifest["url"].endswith("/tic/mfhhis01.txt")
    assert landed.path.stat().st_mode & 0o222 == 0


def test_same_bytes_twice_are_one_vintage(tmp_path: Path) -> None:
    first = land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path)
    second = land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path)

    assert not second.is_new
    assert second.path == first.path
    assert len(list((tmp_path / "tic_mfh").iterdir())) == 1


def test_revised_file_is_a_new_vintage_and_both_are_kept(tmp_path: Path) -> None:
    first = land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path)
    second = land("tic_mfh", "mfhhis01.txt", fetched(b"release two"), tmp_path)

    assert second.is_new
    assert second.sha256 != first.sha256
    assert first.path.read_bytes() == b"release one"
    assert len(list((tmp_path / "tic_mfh").iterdir())) == 2


def test_a_landed_file_counts_as_published_only_after_publication(tmp_path: Path, fixture_mirror: Path) -> None:
    import dataclasses

    from treasury_warehouse.config import Settings
    from treasury_warehouse.ingest.intake import fetch_and_land, is_published
    from treasury_warehouse.ingest.pipeline import ingest

    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path, source_mirror=str(fixture_mirror))
    landed = fetch_and_land("fred_fdhbfin", settings)
    assert not is_published("fred_fdhbfin", str(landed["sha256"]), settings)
    ingest("fred_fdhbfin", settings)
    assert is_published("fred_fdhbfin", str(landed["sha256"]), settings)


def test_an_unchanged_file_is_found_unchanged_without_pandas_or_great_expectations(
    tmp_path: Path, fixture_mirror: Path
) -> None:
    """A night on which nothing changed fetches, lands and checks each source: that path
    loads neither pandas nor Great Expectations (a second of every such night)."""
    import subprocess
    import sys

    from treasury_warehouse.config import PROJECT_ROOT

    script = (
        "import dataclasses, sys\nfrom pathlib import Path\n"
        "from treasury_warehouse.config import Settings\n"
        "from treasury_warehouse.ingest.intake import fetch_and_land, is_published\n"
        "from treasury_warehouse.ingest.quarantine import quarantined\n"
        f"settings = dataclasses.replace(Settings.from_env(), data_dir=Path({str(tmp_path)!r}), "
        f"source_mirror={str(fixture_mirror)!r})\n"
        "landed = fetch_and_land('fred_fdhbfin', settings)\n"
        "assert not is_published('fred_fdhbfin', str(landed['sha256']), settings)\n"
        "assert not quarantined(settings, 'fred_fdhbfin', str(landed['sha256']))\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'great_expectations') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "include")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_landed_file_changed_on_disk_is_never_parsed_or_landed_again(tmp_path: Path) -> None:
    import dataclasses

    import pytest

    from treasury_warehouse.config import Settings
    from treasury_warehouse.errors import LandingError
    from treasury_warehouse.ingest.pipeline import parse_landed

    landed = land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path / "raw")
    landed.path.chmod(0o644)
    landed.path.write_bytes(b"release one, altered")  # someone edits the raw area
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path)

    with pytest.raises(LandingError, match=r"\[tic_mfh\] .*mfhhis01.txt: rule 'landed_hash' failed: .*changed on disk"):
        parse_landed("tic_mfh", str(landed.path), settings)
    with pytest.raises(LandingError, match="landed_hash"):
        land("tic_mfh", "mfhhis01.txt", fetched(b"release one"), tmp_path / "raw")
    assert not (tmp_path / "candidates").exists()  # nothing was parsed


def test_the_published_file_is_the_gated_candidate_itself(tmp_path: Path, fixture_mirror: Path) -> None:
    """Provenance is written at parse, so publishing renames the file the gate passed (the
    votes at 50x the real rows no longer copy 43 million rows); the gate reads the parsed
    columns only, and a publish retried after its file moved finds it published. The
    published file has the mode the umask gives a new file, not the temporary file's
    owner-only one."""
    import dataclasses

    import pyarrow.parquet as pq

    from treasury_warehouse.config import Settings
    from treasury_warehouse.ingest.intake import fetch_and_land
    from treasury_warehouse.ingest.pipeline import (
        PROVENANCE,
        parse_landed,
        publish_candidate,
        read_candidate,
        validate_candidate,
    )

    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path, source_mirror=str(fixture_mirror))
    umask = os.umask(0o022)
    os.umask(umask)
    landed = fetch_and_land("fred_fdhbfin", settings)
    parsed = parse_landed("fred_fdhbfin", str(landed["path"]), settings)
    candidate = Path(str(parsed["candidate"]))
    columns = pq.read_schema(candidate).names
    assert columns[-len(PROVENANCE) - 1 :] == ["vintage", *PROVENANCE]
    assert set(PROVENANCE).isdisjoint(read_candidate(candidate).columns)
    gated = candidate.stat().st_ino

    validated = validate_candidate("fred_fdhbfin", parsed, settings)
    published = Path(str(publish_candidate("fred_fdhbfin", validated, settings)["published"]))

    assert published.stat().st_ino == gated
    assert stat.S_IMODE(published.stat().st_mode) == 0o666 & ~umask, oct(published.stat().st_mode)
    assert not candidate.exists()
    assert pq.read_schema(published).names == columns
    provenance = pq.read_table(published, columns=list(PROVENANCE)).to_pylist()[0]
    assert provenance["source_sha256"] == landed["sha256"]
    assert provenance["source_file"] == "FDHBFIN.csv"
    assert provenance["vintage_basis"] in {"file", "listing", "last_modified", "landed"}
    assert publish_candidate("fred_fdhbfin", validated, settings)["published"] == str(published)
