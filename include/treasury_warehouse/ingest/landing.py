"""Land fetched bytes, unchanged, in an immutable raw area: one folder per source and hash.

raw/<source>/<sha256>/<file name>      the bytes as received
raw/<source>/<sha256>/manifest.json    where and when they came from

The same bytes landed twice are one vintage: the second landing changes nothing. A
landed file is checked against its sha256 whenever it is landed again or read, so bytes
changed on disk are never parsed or published under the original file's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from treasury_warehouse.errors import LandingError
from treasury_warehouse.ingest.fetch import Fetched


@dataclass(frozen=True)
class Landed:
    source: str
    path: Path
    sha256: str
    size_bytes: int
    is_new: bool

    def as_xcom(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


@contextmanager
def atomically(path: Path) -> Iterator[str]:
    """A temporary file's name beside path, renamed into place when the block ends, or
    removed when it raises: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file its owner's alone; the file in place gets the mode a plain
        # open() gives (a BI reader or a worker under another user of the group reads it).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the mask means setting it: set it back at once
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path, then rename it into place."""
    with atomically(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def land(source: str, file_name: str, fetched: Fetched, raw_dir: Path) -> Landed:
    sha256 = hashlib.sha256(fetched.content).hexdigest()
    folder = raw_dir / source / sha256
    target = folder / file_name
    if target.exists():
        read_landed(target)  # the copy on disk must still be the bytes landed
        return Landed(source, target, sha256, len(fetched.content), is_new=False)
    manifest = {
        "source": source,
        "file_name": file_name,
        "url": fetched.url,
        "fetched_at": fetched.fetched_at,
        "sha256": sha256,
        "size_bytes": len(fetched.content),
        "http_status": fetched.status,
        "http_headers": fetched.headers,
    }
    write_atomic(folder / "manifest.json", json.dumps(manifest, indent=2).encode())
    write_atomic(target, fetched.content)  # last: its presence marks a complete landing
    read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for path in (target, folder / "manifest.json"):
        path.chmod(read_only)
    return Landed(source, target, sha256, len(fetched.content), is_new=True)


def read_manifest(landed_path: Path) -> dict[str, object]:
    return json.loads((landed_path.parent / "manifest.json").read_text())


def read_landed(landed_path: Path) -> bytes:
    """The landed bytes, after checking they still hash to the folder they were landed in."""
    content = landed_path.read_bytes()
    expected = landed_path.parent.name
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise LandingError(
            landed_path.parent.parent.name,
            str(landed_path),
            "landed_hash",
            f"the file now hashes to {actual[:12]}, not the {expected[:12]} it was landed as: it was changed"
            f" on disk. Nothing was parsed or published; remove {landed_path.parent} to land the publisher's"
            " file again.",
        )
    return content
