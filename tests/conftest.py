"""Shared fixtures. Airflow reads its configuration at import, so the test session gets
its own AIRFLOW_HOME before anything imports Airflow."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
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
# The publishers' shapes, served on 127.0.0.1: one module for the tests and the replay drill.
sys.path.insert(0, str(Path(__file__).resolve().parent / "replay"))
from publishers import PublisherHandler, fiscal_page, publisher  # noqa: E402

__all__ = ["PublisherHandler", "fiscal_page", "publisher"]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Sources the shared corpus has no file of (its MANIFEST lists them as searched for, not
# obtained): tests of the real files leave them out; their fixtures, in the publisher's
# documented layout, are tested like every other source's.
NOT_IN_CORPUS = {
    "un_votes_undl": "the UN Digital Library's GA voting CSV",
    "fred_iipusassq": "FRED's US assets series",
    "fred_iipusliaq": "FRED's US liabilities series",
}
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


# -- one built warehouse, shared by the tests that read it or copy it ----------------------


@pytest.fixture(scope="session")
def published_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every file source of the fixture mirror, landed, gated and published once."""
    from treasury_warehouse.config import Settings
    from treasury_warehouse.ingest.pipeline import ingest
    from treasury_warehouse.ingest.sources import SOURCES

    root = tmp_path_factory.mktemp("published")
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=root, source_mirror=str(FIXTURE_MIRROR), warehouse_path=root / "w.duckdb"
    )
    for source in SOURCES.values():
        if not source.api_key_env:
            ingest(source.name, settings)
    return settings.published_dir


def build_and_publish(settings) -> Path:
    from treasury_warehouse.warehouse import builds as warehouse

    build_path = warehouse.accept(warehouse.build(settings))
    warehouse.publish(settings, build_path)
    return build_path


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, published_fixtures: Path):
    """One build of every fixture source, published, for the tests that only read it (or copy it)."""
    from treasury_warehouse.config import Settings

    root = tmp_path_factory.mktemp("published-build")
    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=root / "data",
        warehouse_path=root / "data" / "warehouse.duckdb",
        source_mirror=str(FIXTURE_MIRROR),
        keep_builds=2,
    )
    shutil.copytree(published_fixtures, settings.published_dir)
    build_and_publish(settings)
    return settings


@pytest.fixture
def published_copy(published, tmp_path: Path):
    """The shared published deployment, copied (its symlinks relative), for a test that changes it."""
    shutil.copytree(published.data_dir, tmp_path / "data", symlinks=True)
    return dataclasses.replace(
        published, data_dir=tmp_path / "data", warehouse_path=tmp_path / "data" / "warehouse.duckdb"
    )


# -- one Postgres server (the distribution's), shared by the tests that serve marts --------


@dataclasses.dataclass
class PostgresServer:
    port: int
    admin: str
    password: str
    process: subprocess.Popen

    def dsn(self, user: str | None = None, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} dbname={database} user={user or self.admin}"

    def uri(self, user: str, database: str = "warehouse") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A Postgres cluster of the distribution's binaries on loopback (`make test` installs
    the package), as the postgres user when run as root: initdb refuses root."""
    import secrets
    import socket
    import time

    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not bins:
        if os.environ.get("CI"):
            pytest.fail("CI must have the postgresql package (make test installs it)")
        pytest.skip("no Postgres server binaries under /usr/lib/postgresql: run make test")
    pg_bin = bins[-1].parent
    # Not under pytest's own temporary folder: the postgres user cannot traverse root's.
    folder = Path(tempfile.mkdtemp(prefix="tw-postgres-"))
    as_user: dict = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
    password = secrets.token_urlsafe(16)
    (folder / "pw").write_text(password)
    if as_user:
        for path in (folder, folder / "pw"):
            shutil.chown(path, "postgres")
    initdb = [str(pg_bin / "initdb"), "-D", str(folder / "db"), "-U", "admin", "--pwfile", str(folder / "pw")]
    initdb += ["-A", "scram-sha-256"]
    subprocess.run(initdb, check=True, capture_output=True, timeout=300, cwd=folder, **as_user)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (folder / "postgres.log").open("w")
    server = [str(pg_bin / "postgres"), "-D", str(folder / "db"), "-p", str(port), "-h", "127.0.0.1", "-k", str(folder)]
    process = subprocess.Popen(server, stdout=log, stderr=subprocess.STDOUT, cwd=folder, **as_user)
    deadline = time.monotonic() + 60
    while True:
        ready = subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True, text=True, check=False
        )
        if ready.returncode == 0:
            break
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"Postgres did not start: {(folder / 'postgres.log').read_text()[-2000:]}")
        time.sleep(0.5)
    yield PostgresServer(port, "admin", password, process)
    process.terminate()
    process.wait(60)
    log.close()
    shutil.rmtree(folder, ignore_errors=True)


@dataclasses.dataclass(frozen=True)
class Roles:
    server: PostgresServer
    writer: object  # treasury_warehouse.warehouse.serve.Serving
    reader_password: str

    def reader_env(self) -> dict[str, str]:
        return {"PATH": os.environ["PATH"], "PGPASSWORD": self.reader_password, "PGCONNECT_TIMEOUT": "10"}

    def airflow_connection(self) -> str:
        """The writer as an Airflow connection (AIRFLOW_CONN_WAREHOUSE_SERVING)."""
        return json.dumps(
            {
                "conn_type": "postgres",
                "host": "127.0.0.1",
                "port": self.server.port,
                "schema": "warehouse",
                "login": "warehouse_writer",
                "password": self.writer.password,
            }
        )


@pytest.fixture(scope="session")
def roles(postgres_server: PostgresServer) -> Roles:
    """The serving database and its roles (serve-init) on the shared server; a reader
    password with the characters that break URIs."""
    import secrets

    from treasury_warehouse.warehouse import serve

    writer_password, reader_password = secrets.token_urlsafe(12), "r@d/er#pw" + secrets.token_hex(4)
    admin = serve.Serving(postgres_server.dsn(), postgres_server.password)
    done = serve.init(admin, writer_password, reader_password)
    assert "create database warehouse owner warehouse_writer" in done
    writer = serve.Serving(postgres_server.dsn(serve.WRITER_ROLE, "warehouse"), writer_password, keep=2)
    return Roles(postgres_server, writer, reader_password)


# -- one Airflow set-up (its metadata database, migrated once), for the DAG runs -----------


@dataclasses.dataclass
class Run:
    code: int
    output: str


@dataclasses.dataclass
class Deployment:
    """A deployment on this machine: its environment and data folder; ``run`` is
    ``python -m treasury_warehouse airflow-run`` (every DAG, or those named)."""

    env: dict[str, str]
    data_dir: Path

    def run(self, *dag_ids: str, conf: str | None = None) -> Run:
        done = self._python("-m", "treasury_warehouse", "airflow-run", *dag_ids, *(["--conf", conf] if conf else []))
        return Run(done.returncode, done.stdout + done.stderr)

    def python(self, code: str) -> str:
        """What Python code run in this deployment prints; a failure raises with its output."""
        done = self._python("-c", code)
        if done.returncode != 0:
            raise AssertionError(f"exit {done.returncode}: {done.stdout}{done.stderr}")
        return done.stdout

    def _python(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], env=self.env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900
        )

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Airflow's metadata database (SQLite), migrated once; each deployment starts from a copy."""
    home = tmp_path_factory.mktemp("airflow-template")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return home / "airflow.db"


def new_deployment(root: Path, airflow_db: Path, **env: str) -> Deployment:
    """A deployment under root with its own copy of the migrated Airflow database."""
    home = root / "airflow"
    home.mkdir(parents=True)
    shutil.copyfile(airflow_db, home / "airflow.db")
    environment = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DATA_DIR": str(root / "data"),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
        **env,
    }
    return Deployment(environment, root / "data")
