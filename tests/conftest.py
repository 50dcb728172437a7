"""Shared fixtures. Airflow reads its configuration at import, so the test session gets
its own AIRFLOW_HOME before anything imports Airflow."""

from __future__ import annotations

import functools
import http.server
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="tw-airflow-home-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_MIRROR = FIXTURES / "mirror"
SHARED_SOURCES = PROJECT_ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def shared_sources() -> Path:
    """The real publisher files beside the project; CI always has them."""
    if not SHARED_SOURCES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run with the real sources at {SHARED_SOURCES}")
        pytest.skip(f"real publisher files not found at {SHARED_SOURCES} (../shared/sources)")
    return SHARED_SOURCES


@pytest.fixture(scope="session")
def duckdb1_clients() -> Path:
    """A virtual environment with the DuckDB 1.x Python client and CLI (requirements-clients.txt),
    as BI tools bundle them; `make test` installs it and names it in DUCKDB1_CLIENTS."""
    configured = os.environ.get("DUCKDB1_CLIENTS")
    clients = Path(configured) if configured else PROJECT_ROOT / ".venv-clients"
    if not (clients / "bin" / "duckdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run with the DuckDB 1.x clients at {clients} (make test installs them)")
        pytest.skip(f"DuckDB 1.x clients not installed at {clients}: run make test")
    return clients


@pytest.fixture
def fixture_mirror() -> Path:
    """A mirror laid out like the publishers, holding the hand-made fixtures."""
    return FIXTURE_MIRROR


@pytest.fixture
def fixture_bytes() -> bytes:
    return (FIXTURE_MIRROR / "tic" / "mfhhis01.txt").read_bytes()


class MirrorServer:
    """A real HTTP server on 127.0.0.1 serving a directory laid out like the publishers."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.root = root
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> MirrorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror_server(tmp_path: Path) -> Iterator[MirrorServer]:
    """Serves a writable copy of the fixture mirror, so a test can corrupt a file."""
    root = tmp_path / "mirror"
    for path in FIXTURE_MIRROR.rglob("*"):
        if path.is_file():
            target = root / path.relative_to(FIXTURE_MIRROR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    with MirrorServer(root) as server:
        yield server


class WebhookServer:
    """A real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it."""

    def __init__(self, status: int = 200) -> None:
        received: list[dict] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.received = received
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/failures"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server
