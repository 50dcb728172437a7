"""Run the project under real Airflow services and check a deployment as an operator would.

Two set-ups share the checks:

- ``local``: api-server, scheduler and dag-processor with LocalExecutor and SQLite, as
  ``airflow standalone`` runs them (``tests/e2e/test_real_scheduler.py``);
- ``celery``: the services of ``docker-compose.yaml`` replayed on this machine without
  Docker: Postgres and Redis from the distribution's packages, then api-server,
  scheduler, dag-processor, triggerer and two Celery workers, each with the compose
  file's own environment (interpolated from an ``.env`` filled as ``.env.example``
  says) and its own command (``make deploy-test``).

The checks, through the REST API: unpausing starts nothing; the first night (every
ingest DAG triggered) publishes a complete warehouse with no failed run and no alert; an
unchanged night triggers no build; a corrupted file fails its gate, once alerted, with
no build; (celery) a worker killed during the build costs one alert and the time until
the scheduler gives its task up; every service stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import requests
import yaml

from treasury_warehouse.config import PROJECT_ROOT

TERMINAL = {"success", "failed"}
# What the compose file's Airflow containers see at /opt/airflow/<folder>.
CONTAINER_ROOT = "/opt/airflow"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- docker compose's variable interpolation, for replaying its services ------------------

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(ValueError):
    """A ``${VAR:?message}`` whose variable is unset or empty: compose refuses to start."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?message}`` and ``${VAR?message}``, as docker compose reads them."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("plain"):
            return env.get(match.group("plain"), "")
        expression = match.group("braced")
        name, operator, argument = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?(.*)", expression, re.S).groups()
        value = env.get(name)
        empty_counts = bool(operator) and operator.startswith(":")
        missing = value is None or (empty_counts and value == "")
        if operator and operator.endswith("?") and missing:
            raise MissingVariable(f"required variable {name} is missing a value: {argument}")
        if operator and operator.endswith("-") and missing:
            return argument
        return value or ""

    return _VARIABLE.sub(one, text)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def compose_services(compose_file: Path, env: dict[str, str]) -> dict[str, dict]:
    """The compose file's services with variables interpolated (raises MissingVariable)."""
    spec = yaml.safe_load(compose_file.read_text())

    def walk(node):
        if isinstance(node, str):
            return interpolate(node, env)
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(spec)["services"]


def filled_env_file(example: Path, target: Path, password: str) -> dict[str, str]:
    """``.env.example`` filled in as its comments say: generated keys, the given password."""
    from cryptography.fernet import Fernet

    generated = {
        "POSTGRES_PASSWORD": password,
        "AIRFLOW_ADMIN_PASSWORD": password,
        "WAREHOUSE_ADMIN_PASSWORD": password,
        "WAREHOUSE_WRITER_PASSWORD": password,
        "BI_READER_PASSWORD": password,
        "AIRFLOW_JWT_SECRET": secrets.token_urlsafe(48),
        "AIRFLOW_API_SECRET_KEY": secrets.token_urlsafe(48),
        "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
    }
    lines = []
    for line in example.read_text().splitlines():
        key = line.split("=", 1)[0]
        if not line.startswith("#") and "=" in line and key in generated:
            line = f"{key}='{generated[key]}'" if "'" not in generated[key] else f'{key}="{generated[key]}"'
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    return read_env_file(target)


# -- a mirror and an alert receiver on loopback ------------------------------------------


@dataclass
class Loopback:
    """An HTTP server on 127.0.0.1 in a thread: the source mirror, or the alert webhook."""

    handler: type
    server: http.server.ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def mirror_server(root: Path) -> Loopback:
    return Loopback(partial(_Quiet, directory=str(root)))


def alert_receiver() -> tuple[Loopback, list[dict]]:
    received: list[dict] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Loopback(Receiver), received


# -- Airflow services --------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path


@dataclass
class Deployment:
    """Airflow services started from one environment, and the REST API they serve."""

    root: Path
    env: dict[str, str]
    api_url: str
    data_dir: Path
    credentials: tuple[str, str] | None = None
    services: list[Service] = field(default_factory=list)
    _token: str | None = None
    say: Callable[[str], None] = print

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, as_user: dict[str, object] | None = None
    ) -> Service:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            process = subprocess.Popen(
                argv,
                env=env or self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **(as_user or {}),
            )
        service = Service(name, process, log)
        self.services.append(service)
        return service

    def stop(self, timeout_s: float = 90) -> dict[str, int | None]:
        """SIGTERM every service (its process group), newest first; their exit codes
        (None: still running after the timeout, then killed)."""
        codes: dict[str, int | None] = {}
        for service in reversed(self.services):
            if service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for service in reversed(self.services):
            try:
                codes[service.name] = service.process.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                codes[service.name] = None
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()
        return codes

    # The REST API ---------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        if self.credentials is None:
            return {}
        if self._token is None:
            user, password = self.credentials
            answer = requests.post(
                f"{self.api_url}/auth/token", json={"username": user, "password": password}, timeout=30
            )
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def api(self, method: str, path: str, **kwargs) -> dict:
        # On SQLite a request that waited 5 s for another writer's lock is answered 500
        # "Database error" and rolled back; the workers' own calls retry such answers
        # (execution_api_retries), and so does an operator: up to three times, said aloud.
        for wait_s in (2, 4, 8, None):
            answer = requests.request(
                method, f"{self.api_url}/api/v2{path}", headers=self._headers(), timeout=60, **kwargs
            )
            if wait_s is None or answer.status_code < 500 or "Database error" not in answer.text:
                break
            print(f"retry {method} {path} in {wait_s}s: HTTP {answer.status_code}, the metadata database was busy")
            time.sleep(wait_s)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {answer.status_code}: {answer.text[:500]}")
        return answer.json() if answer.content else {}

    def wait_for_api(self, timeout_s: float = 180) -> None:
        from treasury_warehouse.orchestration.services import wait_for_api

        wait_for_api(self.api_url, self._check_alive, timeout_s)

    def _check_alive(self) -> None:
        for service in self.services:
            if service.process.poll() is not None and not service.name.startswith("init"):
                tail = "\n".join(service.log.read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n{tail}")

    def dag_ids(self) -> list[str]:
        return sorted(d["dag_id"] for d in self.api("GET", "/dags", params={"limit": 100})["dags"])

    def wait_for_dags(self, expected: set[str], timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            if expected <= set(self.dag_ids()):
                return
            time.sleep(2)
        raise TimeoutError(f"DAGs not parsed in {timeout_s}s: {sorted(expected - set(self.dag_ids()))}")

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        body = {"logical_date": None, "conf": conf or {}}
        return self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def runs(self, dag_id: str = "~") -> list[dict]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 1000})["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def settle(self, quiet_s: float = 10, timeout_s: float = 1200) -> float:
        """Wait until no run is queued or running for quiet_s (an Asset event may start a
        build just after an ingest ends); the seconds waited."""
        started = time.monotonic()
        quiet_since = None
        while time.monotonic() - started < timeout_s:
            self._check_alive()
            busy = [r for r in self.runs() if r["state"] not in TERMINAL]
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                return quiet_since - started
            time.sleep(2)
        raise TimeoutError(f"runs still active after {timeout_s}s: {busy}")


# -- the checks ----------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def check(self, ok: bool, what: str) -> None:
        self.lines.append(f"{'ok  ' if ok else 'FAIL'} {what}")
        print(self.lines[-1], flush=True)
        if not ok:
            self.failures.append(what)

    def time(self, name: str, seconds: float) -> None:
        self.timings[name] = round(seconds, 1)
        self.lines.append(f"time {name}: {seconds:.1f}s")
        print(self.lines[-1], flush=True)


def _ingest_ids() -> list[str]:
    from treasury_warehouse.ingest.sources import SOURCES

    return [f"ingest_{name}" for name in SOURCES]


def _published_marts(data_dir: Path) -> list[str] | None:
    from treasury_warehouse.warehouse import builds as warehouse

    link = data_dir / "warehouse.duckdb"
    return warehouse.marts_in(link.resolve()) if link.exists() else None


def _expected_marts(deployment: Deployment) -> set[str]:
    import dataclasses

    from treasury_warehouse.config import Settings
    from treasury_warehouse.warehouse import builds as warehouse

    settings = dataclasses.replace(Settings.from_env(), data_dir=deployment.root / "plan")
    return set(warehouse.mart_needs(settings))


def check_first_night(deployment: Deployment, report: Report, alerts: list[dict]) -> None:
    ingests = _ingest_ids()
    every = [*ingests, "build_warehouse", "report_warehouse"]
    deployment.wait_for_dags(set(every))
    started = time.monotonic()
    for dag_id in every:
        deployment.unpause(dag_id)
    time.sleep(15)
    report.check(deployment.runs() == [], "unpausing every DAG starts no run (first runs at the nightly time)")
    now = datetime.now(UTC)
    first_runs = {
        d["dag_id"]: datetime.fromisoformat(d["next_dagrun_run_after"])
        for d in deployment.api("GET", "/dags", params={"limit": 100})["dags"]
        if d.get("next_dagrun_run_after")
    }
    early = sorted(dag_id for dag_id, at in first_runs.items() if at <= now)
    report.check(
        len(first_runs) == len(every) - 1 and early == [],  # the report DAG runs on an Asset only
        f"every scheduled DAG's first run is its next scheduled time ({len(first_runs)} DAGs, in the past: {early})",
    )
    for dag_id in ingests:
        deployment.trigger(dag_id)
    published_at = None
    while published_at is None and time.monotonic() - started < 1200:
        deployment._check_alive()
        if (deployment.data_dir / "warehouse.duckdb").exists():
            published_at = time.monotonic()
        time.sleep(1)
    deployment.settle()
    if published_at is not None:
        report.time("unpause to published warehouse", published_at - started)
    runs = deployment.runs()
    failed = [f"{r['dag_id']} {r['dag_run_id']}" for r in runs if r["state"] != "success"]
    report.check(failed == [], f"first night: {len(runs)} runs, none failed {failed or ''}")
    builds = [r for r in runs if r["dag_id"] == "build_warehouse"]
    report.check(len(builds) >= 1, f"first night: {len(builds)} build run(s), triggered by Asset events")
    marts = _published_marts(deployment.data_dir)
    expected = _expected_marts(deployment)
    report.check(
        marts is not None and set(marts) == expected, f"the first warehouse published has all {len(expected)} marts"
    )
    report.check(alerts == [], f"first night: no alert ({len(alerts)} sent)")
    report.check(
        any(r["dag_id"] == "report_warehouse" and r["state"] == "success" for r in runs),
        "the report DAG ran on the published warehouse",
    )


def check_unchanged_night(deployment: Deployment, report: Report) -> None:
    before = len(deployment.runs("build_warehouse"))
    for dag_id in _ingest_ids():
        deployment.trigger(dag_id)
    deployment.settle()
    ingests = [r for r in deployment.runs() if r["dag_id"].startswith("ingest_")]
    report.check(all(r["state"] == "success" for r in ingests), "unchanged night: every ingest run succeeded")
    after = len(deployment.runs("build_warehouse"))
    report.check(after == before, f"unchanged night: no build triggered ({after - before} new build runs)")


def check_corrupted_file(deployment: Deployment, report: Report, mirror_root: Path, alerts: list[dict]) -> None:
    served = mirror_root / "tic" / "mfhhis01.txt"
    served.write_text(served.read_text().replace("Japan\t1120.5", "Japan\t-1120.5"))
    builds_before = len(deployment.runs("build_warehouse"))
    alerts_before = len(alerts)
    run_id = deployment.trigger("ingest_tic_mfh")
    deployment.settle()
    [run] = [r for r in deployment.runs("ingest_tic_mfh") if r["dag_run_id"] == run_id]
    states = {t["task_id"]: t["state"] for t in deployment.task_instances("ingest_tic_mfh", run_id)}
    report.check(
        run["state"] == "failed" and states.get("validate") == "failed" and states.get("publish") != "success",
        f"a corrupted file fails its gate: {states}",
    )
    new_alerts = alerts[alerts_before:]
    report.check(
        [(a["dag_id"], a["task_id"]) for a in new_alerts] == [("ingest_tic_mfh", "validate")],
        f"one alert for it ({len(new_alerts)} sent)",
    )
    report.check(len(deployment.runs("build_warehouse")) == builds_before, "no build after the failed gate")


def check_killed_worker(deployment: Deployment, report: Report, alerts: list[dict], workers: list[Service]) -> None:
    """Kill the Celery worker that runs the build's dbt task; time until it is given up."""
    alerts_before = len(alerts)
    run_id = deployment.trigger("build_warehouse", {"force": True})
    deadline = time.monotonic() + 600
    pid = None
    while pid is None and time.monotonic() < deadline:
        for ti in deployment.task_instances("build_warehouse", run_id):
            if ti["task_id"] == "dbt_build" and ti["state"] == "running" and ti.get("pid"):
                pid = ti["pid"]
        time.sleep(0.5)
    victim = next((w for w in workers if pid is not None and pid in _descendants(w.process.pid)), None)
    if victim is None:
        report.check(False, f"the running dbt_build (pid {pid}) was found under a worker")
        return
    time.sleep(3)  # well inside the dbt build
    # As when its machine or container dies: the worker and every process under it.
    doomed = _descendants(victim.process.pid)
    os.killpg(victim.process.pid, signal.SIGKILL)
    for child in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    killed = time.monotonic()
    victim.process.wait()
    deployment.services.remove(victim)  # gone on purpose: not a service that died
    state = "running"
    while state == "running" and time.monotonic() - killed < 900:
        [ti] = [t for t in deployment.task_instances("build_warehouse", run_id) if t["task_id"] == "dbt_build"]
        state = ti["state"]
        time.sleep(2)
    report.time("killed worker: dbt_build given up", time.monotonic() - killed)
    report.check(state == "failed", f"the killed worker's dbt_build ends {state}")
    deployment.settle()
    mine = [a for a in alerts[alerts_before:] if a["task_id"] == "dbt_build"]
    report.check(len(mine) == 1, f"one alert for the killed task ({len(mine)} sent)")
    # The pool is free again: a forced build after it runs and publishes.
    run_id = deployment.trigger("build_warehouse", {"force": True})
    waited = time.monotonic()
    deployment.settle()
    [run] = [r for r in deployment.runs("build_warehouse") if r["dag_run_id"] == run_id]
    report.check(run["state"] == "success", f"the next build runs on the surviving worker ({run['state']})")
    report.time("the next build after the kill", time.monotonic() - waited)


def _descendants(pid: int) -> set[int]:
    import psutil

    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def check_stopped(deployment: Deployment, report: Report) -> None:
    import psutil

    started = {pid for service in deployment.services for pid in _descendants(service.process.pid)}
    codes = deployment.stop()
    stuck = {name: code for name, code in codes.items() if code is None}
    report.check(stuck == {}, f"every service stops on SIGTERM: {codes}")
    left = []
    for pid in started:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
    report.check(left == [], f"nothing they started is left running ({len(started)} processes, left: {left})")


# -- the two set-ups -----------------------------------------------------------------------


def _base_env(root: Path, data_dir: Path) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in {"DATA_DIR", "SOURCE_MIRROR"}
    }
    bin_dir = str(Path(sys.executable).parent)
    return {
        **keep,
        "PATH": os.pathsep.join([bin_dir, keep.get("PATH", "")]),
        "AIRFLOW_HOME": str(root / "airflow"),
        "DATA_DIR": str(data_dir),
        "BEA_API_KEY": "",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "include"), keep.get("PYTHONPATH", "")]),
    }


@contextmanager
def local_deployment(root: Path, mirror_url: str, webhook_url: str) -> Iterator[Deployment]:
    """``make airflow``'s command (api-server, scheduler, dag-processor: LocalExecutor,
    SQLite, loopback) in a fresh AIRFLOW_HOME where nothing but ``airflow db migrate`` ran
    (no pool made by hand), with no virtual environment on PATH."""
    port = free_port()
    data_dir = root / "data"
    env = {
        **_base_env(root, data_dir),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__EXPOSE_STACKTRACE": "True",  # loopback only: a 500 says what failed
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "SOURCE_MIRROR": mirror_url,
        "ALERT_WEBHOOK_URL": webhook_url,
        **schedules_just_passed(),
    }
    # As on a fresh machine where nothing is activated: the command finds its own airflow.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p and p != bin_dir)
    deployment = Deployment(root, env, f"http://127.0.0.1:{port}", data_dir)
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=600)
    serve = [sys.executable, "-m", "treasury_warehouse", "airflow", "--host", "127.0.0.1", "--port", str(port)]
    try:
        deployment.start("airflow", [*serve, "--workers", "4"])
        deployment.wait_for_api()
        yield deployment
    finally:
        deployment.stop()


def schedules_just_passed(now: datetime | None = None) -> dict[str, str]:
    """Every cadence set to the minute two minutes ago (weekly: on today's weekday), so
    that unpausing happens inside the window in which Airflow's default grace would
    start the run that just passed."""
    from treasury_warehouse.orchestration.defaults import SCHEDULES

    tick = (now or datetime.now(UTC)) - timedelta(minutes=2)
    daily = f"{tick.minute} {tick.hour} * * *"
    weekly = f"{tick.minute} {tick.hour} * * {tick.isoweekday() % 7}"
    return {setting: weekly if cadence == "weekly" else daily for cadence, (setting, _) in SCHEDULES.items()}


def _local_path(value: str, mounts: dict[str, Path]) -> str:
    for container, host in sorted(mounts.items(), key=lambda item: -len(item[0])):
        value = value.replace(container, str(host))
    return value


@contextmanager
def celery_deployment(root: Path, mirror_url: str, webhook_url: str, workers: int = 2) -> Iterator[Deployment]:
    """The compose file's services, replayed without Docker (see the module docstring)."""
    root.mkdir(parents=True, exist_ok=True)
    password = 'p@ss/w#rd"' + secrets.token_hex(4)  # every character that broke the URL or the JSON
    env_file = filled_env_file(PROJECT_ROOT / ".env.example", root / ".env", password)
    services = compose_services(PROJECT_ROOT / "docker-compose.yaml", {**env_file, "SOURCE_MIRROR": mirror_url})
    data_dir = root / "data"
    mounts = {
        f"{CONTAINER_ROOT}/dags": PROJECT_ROOT / "dags",
        f"{CONTAINER_ROOT}/plugins": PROJECT_ROOT / "plugins",
        f"{CONTAINER_ROOT}/include": PROJECT_ROOT / "include",
        f"{CONTAINER_ROOT}/dbt_project": PROJECT_ROOT / "dbt_project",
        f"{CONTAINER_ROOT}/data": data_dir,
        f"{CONTAINER_ROOT}/logs": root / "airflow" / "logs",
    }
    pg_port, redis_port, api_port, serving_port = free_port(), free_port(), free_port(), free_port()
    hosts = {
        "@postgres/": f"@127.0.0.1:{pg_port}/",
        "host=warehouse-db port=5432": f"host=127.0.0.1 port={serving_port}",
        "redis://redis:6379": f"redis://127.0.0.1:{redis_port}",
        "http://airflow-apiserver:8080": f"http://127.0.0.1:{api_port}",
    }

    def service_env(name: str) -> dict[str, str]:
        spec = services[name]
        values = {**env_file, **{k: str(v) for k, v in spec.get("environment", {}).items()}}
        for key, value in list(values.items()):
            for container_host, local in hosts.items():
                value = value.replace(container_host, local)
            values[key] = _local_path(value, mounts)
        values.pop("PYTHONPATH", None)
        return {
            **_base_env(root, data_dir),
            **values,
            # What the image's AIRFLOW_HOME=/opt/airflow gives every service by default.
            "AIRFLOW__CORE__DAGS_FOLDER": str(mounts[f"{CONTAINER_ROOT}/dags"]),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(mounts[f"{CONTAINER_ROOT}/plugins"]),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(mounts[f"{CONTAINER_ROOT}/logs"]),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "ALERT_WEBHOOK_URL": webhook_url,
        }

    data_dir.mkdir(parents=True)
    deployment = Deployment(
        root,
        service_env("airflow-scheduler"),
        f"http://127.0.0.1:{api_port}",
        data_dir,
        credentials=(env_file["AIRFLOW_ADMIN_USERNAME"], password),
    )
    try:
        _start_postgres(deployment, root / "postgres", pg_port, password)
        _start_postgres(
            deployment, root / "warehouse-db", serving_port, password, user="warehouse_admin", name="warehouse-db"
        )
        deployment.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""])
        airflow = str(Path(sys.executable).parent / "airflow")
        init = services["airflow-init"]["command"]
        script = _local_path(init[1] if isinstance(init, list) else init, mounts)
        for container_host, local in hosts.items():
            script = script.replace(container_host, local)
        done = subprocess.run(
            ["bash", "-c", script], env=service_env("airflow-init"), capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise RuntimeError(f"airflow-init failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        for name, service in (("api-server", "airflow-apiserver"),):
            deployment.start(name, [airflow, *services[service]["command"].split()], service_env(service))
        deployment.wait_for_api()
        for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
            deployment.start(
                name.removeprefix("airflow-"), [airflow, *services[name]["command"].split()], service_env(name)
            )
        for number in range(1, workers + 1):
            env = {
                **service_env("airflow-worker"),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            }
            argv = [airflow, *services["airflow-worker"]["command"].split(), "--celery-hostname", f"worker{number}@%h"]
            deployment.start(f"worker{number}", argv, env)
        yield deployment
    finally:
        deployment.stop()


def _start_postgres(
    deployment: Deployment, folder: Path, port: int, password: str, user: str = "airflow", name: str = "postgres"
) -> None:
    """A Postgres cluster of the distribution's binaries on loopback, as the postgres user
    when run as root (initdb refuses root)."""
    pg_bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
    folder.mkdir(parents=True)
    # The server itself, not a wrapper, as the child: its own exit code on SIGTERM is seen.
    as_user: dict[str, object] = (
        {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
    )
    if as_user:
        shutil.chown(folder, "postgres")
    secret = folder / "pw"
    secret.write_text(password)
    if as_user:
        shutil.chown(secret, "postgres")
    subprocess.run(
        [
            str(pg_bin / "initdb"),
            "-D",
            str(folder / "db"),
            "-U",
            user,
            "--pwfile",
            str(secret),
            "-A",
            "scram-sha-256",
        ],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=folder,
        **as_user,
    )
    deployment.start(
        name,
        [
            str(pg_bin / "postgres"),
            "-D",
            str(folder / "db"),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(folder),
        ],
        as_user=as_user,
    )
    env = {**os.environ, "PGPASSWORD": password}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                user,
                "-d",
                "postgres",
                "-c",
                "create database airflow" if user == "airflow" else "select 1",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError(f"Postgres did not start: {ready.stderr}")


def run(kind: str, root: Path, fixtures: Path) -> Report:
    report = Report()
    mirror_root = root / "mirror"
    shutil.copytree(fixtures, mirror_root)
    mirror = mirror_server(mirror_root)
    receiver, alerts = alert_receiver()
    set_up = local_deployment if kind == "local" else celery_deployment
    try:
        with set_up(root / "deployment", mirror.url, receiver.url) as deployment:
            check_first_night(deployment, report, alerts)
            check_unchanged_night(deployment, report)
            check_corrupted_file(deployment, report, mirror_root, alerts)
            if kind == "celery":
                workers = [s for s in deployment.services if s.name.startswith("worker")]
                check_killed_worker(deployment, report, alerts, workers)
            check_stopped(deployment, report)
    finally:
        mirror.close()
        receiver.close()
    return report


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def pinned(path: Path) -> dict[str, str]:
    """The exact versions a requirements or constraints file pins, by normalised name."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {normalise(line.split("==")[0]): line.split("==")[1].strip() for line in lines if "==" in line}


# Installed by the virtual environment itself, and the project (editable).
NOT_PINNED = {"pip", "setuptools", "wheel", "treasury-warehouse"}


def unpinned_distributions(constraints: Path) -> dict[str, tuple[str, str | None]]:
    """Each package installed in this interpreter at a version ``constraints`` does not pin:
    {name: (installed, pinned or None)}."""
    from importlib import metadata

    pins = pinned(constraints)
    found = {}
    for distribution in metadata.distributions():
        name = normalise(distribution.metadata["Name"])
        if name not in NOT_PINNED and pins.get(name) != distribution.version:
            found[name] = (distribution.version, pins.get(name))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["local", "celery"])
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "data" / "deploy-test")
    parser.add_argument("--fixtures", type=Path, default=PROJECT_ROOT / "tests" / "fixtures" / "mirror")
    args = parser.parse_args(argv)
    unpinned = unpinned_distributions(PROJECT_ROOT / "constraints.txt")
    if unpinned:  # the set-up resolved to versions a rebuild would not install
        print(f"{args.kind}: installed at versions constraints.txt does not pin (installed, pinned): {unpinned}")
        return 1
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    started = time.monotonic()
    report = run(args.kind, args.work, args.fixtures)
    print(
        f"\n{args.kind}: {len(report.lines) - len(report.timings)} checks, {len(report.failures)} failed, "
        f"{time.monotonic() - started:.0f}s in all; logs under {args.work / 'deployment' / 'logs'}"
    )
    (args.work / "report.json").write_text(json.dumps(report.__dict__, indent=2))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
