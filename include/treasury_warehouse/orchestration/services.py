"""The local Airflow of ``make airflow``: api-server, scheduler and dag-processor.

What ``airflow standalone`` starts, without its snags on this project's set-up: each
service is this virtual environment's own ``airflow`` (nothing needs to be activated or
on PATH); host, port and worker count are settings, and the execution API URL the task
processes call follows the port; each service logs to a file of its own; SIGINT or
SIGTERM stops every service and everything under it, and the command returns only when
they are gone. A service that dies stops the others and the command fails, naming it.

No triggerer by default: no task of this project defers, and on SQLite every service
is one more writer of one file (``--triggerer`` adds it). The scheduler and the
dag-processor wait up to SQLITE_WAIT_S for SQLite's lock, where pysqlite gives up after
5 s and the scheduler exits on "database is locked" (seen on a loaded 2-core machine);
the api-server keeps the 5 s, since it waits inside its event loop and a longer wait
stalls every request (README, "Deploying").
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

SERVICES = ("api-server", "scheduler", "dag-processor")
SQLITE_WAIT_S = 30
# For AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS (an import path): the background services'.
SQLITE_PATIENT: dict[str, object] = {"timeout": SQLITE_WAIT_S}
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# LocalExecutor starts this many worker processes (Airflow's default parallelism is 32).
DEFAULT_WORKERS = 2
STOP_TIMEOUT_S = 60


@dataclass(frozen=True)
class Options:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = DEFAULT_WORKERS
    triggerer: bool = False

    @property
    def services(self) -> tuple[str, ...]:
        return (*SERVICES, "triggerer") if self.triggerer else SERVICES

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host  # noqa: S104 (a bind-all host)
        return f"http://{shown}:{self.port}"


def airflow_executable() -> Path:
    return Path(sys.executable).parent / "airflow"


def environment(options: Options, base: dict[str, str] | None = None) -> dict[str, str]:
    """The services' environment: the project's settings over the caller's."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    env["AIRFLOW__API__HOST"] = options.host
    env["AIRFLOW__API__PORT"] = str(options.port)
    # Task processes report to the api-server's execution API: the same port, or every task fails.
    env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"{options.url}/execution/"
    env["AIRFLOW__CORE__PARALLELISM"] = str(options.workers)
    return env


def _service_env(env: dict[str, str], name: str) -> dict[str, str]:
    on_sqlite = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite").startswith("sqlite")
    if name == "api-server" or not on_sqlite or "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS" in env:
        return env
    return {**env, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": f"{__name__}.SQLITE_PATIENT"}


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def _stop_all(processes: dict[str, subprocess.Popen]) -> dict[str, int]:
    """SIGTERM each service's process group (the service and its task processes), wait,
    then SIGKILL what is left; the exit codes."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    codes = {}
    for name, process in processes.items():
        try:
            codes[name] = process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            codes[name] = process.wait()
    for process in processes.values():  # task processes left behind by a service
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return codes


def wait_for_api(url: str, check_alive: Callable[[], None], timeout_s: float = 180) -> None:
    """Until the api-server at url answers; check_alive raises if a service died meanwhile."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        check_alive()
        try:
            if requests.get(f"{url}/api/v2/version", timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise TimeoutError(f"the api-server did not answer on {url} in {timeout_s:.0f}s")


class ServiceDied(RuntimeError):
    pass


def _check_alive(processes: dict[str, subprocess.Popen]) -> None:
    for name, process in processes.items():
        if process.poll() is not None:
            raise ServiceDied(f"{name} exited with code {process.returncode}")


def serve(options: Options, log_dir: Path) -> int:
    """Run the services until a signal stops them (0) or one of them dies (1)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = environment(options)
    processes: dict[str, subprocess.Popen] = {}
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        for name in options.services:
            with (log_dir / f"{name}.log").open("a") as log:
                # Each service in a session of its own: a Ctrl-C reaches this command only,
                # which stops them in order.
                processes[name] = subprocess.Popen(
                    [str(airflow_executable()), name],
                    env=_service_env(env, name),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
        wait_for_api(options.url, lambda: _check_alive(processes))
        home = Path(env.get("AIRFLOW_HOME", Path.home() / "airflow"))
        passwords = home / "simple_auth_manager_passwords.json.generated"
        started = ", ".join(processes)
        print(f"Airflow UI: {options.url} (LocalExecutor, {options.workers} workers; {started})", flush=True)
        if passwords.exists():
            print(f"log in as admin: the password is in {passwords}", flush=True)
        print(f"service logs: {log_dir}; stop with Ctrl-C", flush=True)
        while True:
            _check_alive(processes)
            time.sleep(1)
    except Stop:
        print("stopping the Airflow services", flush=True)
    except (ServiceDied, TimeoutError) as exc:
        print(f"error: {exc}; see {log_dir}", file=sys.stderr, flush=True)
        code = 1
    finally:
        for sig in previous:  # a second Ctrl-C does not interrupt the stopping
            signal.signal(sig, signal.SIG_IGN)
        codes = _stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped: " + ", ".join(f"{name} ({rc})" for name, rc in codes.items()), flush=True)
    return code
