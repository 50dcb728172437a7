"""Benchmark the pipeline on a mirror of the publishers' files: ``make bench``.

Prints one table and saves it as JSON (data/bench/latest.json and a stamped copy):

full_airflow      every ingest DAG then the build under Airflow (`airflow-run`), from empty
nochange_airflow  the same again with nothing changed at the publishers
one_source_airflow  the same again after one new release (TIC major holders, one figure
                  revised): one source published, the build rebuilds what depends on it;
                  each DAG's own seconds as `airflow-run` prints them (one_source_dags)
setup_airflow     `airflow-run build_warehouse` with nothing to build: the cost of a night
                  before any ingest DAG runs (Airflow's start-up, the DAGs written, the
                  execution API, one DAG run), the floor under the no-change night
direct            the same steps called in one Python process (package functions + dbt build)
step.<source>.*   fetch, parse, validate, publish of each source (inside `direct`)
dbt_build         one `dbt build` of everything published, and its slowest five models
dbt_per_node      one `dbt build --select <node>` per model and seed, the cost of one dbt
                  process per model (Cosmos' default mode) before any Airflow overhead
serve             copying the published build into a Postgres serving database (the
                  distribution's server, started here on loopback) and publishing it there;
                  a BI query's latency from a Postgres client beside the same query on the
                  DuckDB file (query only, the connection already open)
scale.*           the UN votes source (land, parse, gate, publish: a first release, then the
                  next one gated against it) and the alignment models at 1x, 10x, 50x the real
                  vote rows; extra roll calls are synthetic, their votes drawn
                  from the real distribution, generated here under data/bench/ and deleted

Each figure is the median of --runs runs with min and max. CPU time and peak memory are
those of the measured process tree (peak = the largest single process's resident set).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from treasury_warehouse.config import PROJECT_ROOT, Settings

SCALE_OFFSET = 100_000  # synthetic roll call ids: rcid + replica * SCALE_OFFSET (real ids < 10,000)


@dataclasses.dataclass
class Sample:
    wall_s: float
    cpu_s: float
    peak_mb: float


def run_measured(command: list[str], env: dict[str, str], log_path: Path) -> tuple[Sample, str]:
    """Run a command; return its wall time, CPU time and peak RSS (its whole process tree)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    output = log_path.read_text(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}; see {log_path}:\n{output[-3000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), output


def summarise(samples: list[Sample]) -> dict[str, dict[str, float]]:
    figures = {}
    for field in ("wall_s", "cpu_s", "peak_mb"):
        values = [getattr(s, field) for s in samples]
        figures[field] = {
            "median": round(statistics.median(values), 2),
            "min": round(min(values), 2),
            "max": round(max(values), 2),
        }
    figures["runs"] = len(samples)
    return figures


def base_env(data_dir: Path, airflow_home: Path, mirror: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb"),
        "SOURCE_MIRROR": mirror,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def python_command(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def dbt_command(*args: str) -> list[str]:
    from treasury_warehouse.warehouse.builds import dbt_executable

    return [dbt_executable(), *args, "--project-dir", str(Settings.from_env().dbt_project_dir)]


def dbt_env_in(scratch: Path, duckdb_path: Path, published_dir: Path) -> dict[str, str]:
    """The warehouse's dbt environment, with target and logs under a scratch folder."""
    from treasury_warehouse.warehouse.builds import dbt_env

    env = dbt_env(dataclasses.replace(Settings.from_env(), data_dir=scratch), duckdb_path)
    return {**env, "WAREHOUSE_PUBLISHED_DIR": str(published_dir)}


# -- measurements ----------------------------------------------------------------------


# The one-source night's new TIC release: one holder's figure revised by $0.1bn (within the
# gate's rounding and the vintage comparison's tolerance), as a monthly release revises.
REVISED_LINE = ("Japan\t1185.5\t1202.7\t", "Japan\t1185.5\t1202.8\t")


def revised_mirror(mirror: str, target: Path) -> Path:
    """The mirror with a new TIC major-holders release; every other file the same (linked)."""
    shutil.copytree(mirror, target, copy_function=os.symlink)
    mfh = target / "tic" / "mfhhis01.txt"
    text = mfh.read_text(errors="replace")
    if REVISED_LINE[0] not in text:
        raise RuntimeError(f"{mfh}: the line the benchmark revises ({REVISED_LINE[0]!r}) is not in this release")
    mfh.unlink()
    mfh.write_text(text.replace(*REVISED_LINE))
    return target


def bench_airflow(work: Path, mirror: str, runs: int) -> dict:
    """Full nightly run from empty; the same night again with nothing changed; the set-up
    alone (the build DAG with nothing to build); then a night on which one source (TIC
    major holders) has a new release."""
    full, nochange, setup, one_source = [], [], [], []
    one_source_dags: dict[str, list[float]] = {}
    for run in range(runs):
        data_dir, airflow_home = work / f"airflow-run-{run}" / "data", work / f"airflow-run-{run}" / "airflow"
        env = base_env(data_dir, airflow_home, mirror)
        subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True
        )
        sample, _ = run_measured(python_command("treasury_warehouse", "airflow-run"), env, work / f"full-{run}.log")
        full.append(sample)
        sample, output = run_measured(
            python_command("treasury_warehouse", "airflow-run"), env, work / f"nochange-{run}.log"
        )
        if "build_warehouse: no build (up to date" not in output:
            raise RuntimeError(f"a night with nothing changed still built the warehouse: {output[-2000:]}")
        nochange.append(sample)
        sample, output = run_measured(
            python_command("treasury_warehouse", "airflow-run", "build_warehouse"), env, work / f"setup-{run}.log"
        )
        if "build_warehouse: no build (up to date" not in output:
            raise RuntimeError(f"the build DAG alone, with nothing changed, still built: {output[-2000:]}")
        setup.append(sample)
        revised = revised_mirror(mirror, work / f"mirror-revised-{run}")
        sample, output = run_measured(
            python_command("treasury_warehouse", "airflow-run"),
            {**env, "SOURCE_MIRROR": str(revised)},
            work / f"one-source-{run}.log",
        )
        published = [line for line in output.splitlines() if line.startswith("ingest_") and ": ok in " in line]
        if [line.split(":")[0] for line in published] != ["ingest_tic_mfh"] or "build_warehouse: ok" not in output:
            raise RuntimeError(f"the one-source night did not publish tic_mfh alone and build: {output[-2000:]}")
        one_source.append(sample)
        for dag_id, seconds in dag_seconds(output).items():
            one_source_dags.setdefault(dag_id, []).append(seconds)
        shutil.rmtree(work / f"airflow-run-{run}")
        shutil.rmtree(revised)
    return {
        "full_airflow": summarise(full),
        "nochange_airflow": summarise(nochange),
        "setup_airflow": summarise(setup),
        "one_source_airflow": summarise(one_source),
        "one_source_dags": {
            dag_id: round(statistics.median(seconds), 1)
            for dag_id, seconds in one_source_dags.items()
            if dag_id in ("ingest_tic_mfh", "build_warehouse", "report_warehouse")
        },
    }


# The line `airflow-run` prints for each DAG run: "<dag_id>: <status> in <seconds>s".
DAG_LINE = re.compile(r"^(\w+): .* in (\d+(?:\.\d+)?)s$")


def dag_seconds(output: str) -> dict[str, float]:
    """Each DAG run's own seconds, as `airflow-run` printed them."""
    return {m.group(1): float(m.group(2)) for m in map(DAG_LINE.match, output.splitlines()) if m}


def bench_direct(work: Path, mirror: str, runs: int) -> dict:
    """The same steps in one Python process; per-step times come from the worker."""
    totals, steps = [], []
    for run in range(runs):
        data_dir = work / f"direct-{run}" / "data"
        env = base_env(data_dir, work / "unused-airflow", mirror)
        sample, output = run_measured(python_command("tools.bench", "_direct"), env, work / f"direct-{run}.log")
        totals.append(sample)
        steps.append(json.loads(output.strip().splitlines()[-1]))
        shutil.rmtree(work / f"direct-{run}")
    step_figures = {}
    for key in steps[0]:
        values = [s[key] for s in steps]
        step_figures[key] = {
            "median": round(statistics.median(values), 2),
            "min": round(min(values), 2),
            "max": round(max(values), 2),
        }
    return {"direct": summarise(totals), "steps": step_figures}


def _direct_worker() -> None:
    """Every source's steps, timed one by one, then one build; prints the times as JSON."""
    from treasury_warehouse.errors import SourceNotConfigured
    from treasury_warehouse.ingest import intake, pipeline
    from treasury_warehouse.ingest.sources import SOURCES
    from treasury_warehouse.warehouse import builds as warehouse

    settings = Settings.from_env()
    times: dict[str, float] = {}
    for name in SOURCES:
        started = time.monotonic()
        try:
            landed = intake.fetch_and_land(name, settings)
        except SourceNotConfigured:
            continue
        times[f"{name}.fetch"] = time.monotonic() - started
        started = time.monotonic()
        parsed = pipeline.parse_landed(name, str(landed["path"]), settings)
        times[f"{name}.parse"] = time.monotonic() - started
        started = time.monotonic()
        validated = pipeline.validate_candidate(name, parsed, settings)
        times[f"{name}.validate"] = time.monotonic() - started
        started = time.monotonic()
        pipeline.publish_candidate(name, validated, settings)
        times[f"{name}.publish"] = time.monotonic() - started
    started = time.monotonic()
    # partial: a mirror without every source is still measured
    accepted = warehouse.accept(warehouse.build(settings, partial=True))
    warehouse.publish(settings, accepted)
    times["warehouse.build_audit_publish"] = time.monotonic() - started
    print(json.dumps({k: round(v, 3) for k, v in times.items()}))


SERVE_QUERY = (
    "select holder_name, holdings_all_maturities_usd_bn from marts.fct_treasury_holdings_monthly"
    " where period_month = (select max(period_month) from marts.fct_treasury_holdings_monthly)"
    " order by holdings_all_maturities_usd_bn desc, holder_name limit 5"
)


def _local_postgres(folder: Path, password: str):
    """A Postgres server of the distribution's binaries on loopback; (process, port)."""
    import socket

    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not bins:
        raise RuntimeError("no Postgres server under /usr/lib/postgresql: apt-get install postgresql")
    pg_bin = bins[-1].parent
    as_user: dict = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pw").write_text(password)
    if as_user:
        for path in (folder, folder / "pw"):
            shutil.chown(path, "postgres")
    initdb = [str(pg_bin / "initdb"), "-D", str(folder / "db"), "-U", "admin", "--pwfile", str(folder / "pw")]
    subprocess.run(initdb, check=True, capture_output=True, cwd=folder, **as_user)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = [str(pg_bin / "postgres"), "-D", str(folder / "db"), "-p", str(port), "-h", "127.0.0.1", "-k", str(folder)]
    process = subprocess.Popen(server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder, **as_user)
    for _ in range(120):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode == 0:
            return process, port
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("Postgres did not start")


def bench_serve(work: Path, mirror: str, runs: int, queries: int = 50) -> dict:
    """Serve one build into Postgres (each run from empty); a query's latency both ways."""
    import duckdb
    import psycopg

    from treasury_warehouse.warehouse import builds as warehouse
    from treasury_warehouse.warehouse import serve

    data_dir = work / "serve" / "data"
    _ingest_all(data_dir, mirror, work / "serve-ingest.log")
    settings = dataclasses.replace(Settings.from_env(), data_dir=data_dir, warehouse_path=data_dir / "warehouse.duckdb")
    build_path = warehouse.accept(warehouse.build(settings, partial=True))
    warehouse.publish(settings, build_path)
    folder = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    password = "bench-" + os.urandom(8).hex()
    process, port = _local_postgres(folder, password)  # in /tmp: the postgres user reaches it
    try:
        admin = serve.Serving(f"host=127.0.0.1 port={port} dbname=postgres user=admin", password)
        serve.init(admin, password, password)
        writer = serve.Serving(f"host=127.0.0.1 port={port} dbname=warehouse user={serve.WRITER_ROLE}", password)
        env = {
            **base_env(data_dir, work / "unused-airflow", mirror),
            "SERVING_DSN": writer.dsn,
            "SERVING_PASSWORD": password,
        }
        samples, line = [], ""
        for run in range(runs):  # `make serve` from empty each time: a process, its load, its publication
            with writer.connect(autocommit=True) as pg:
                for (schema,) in pg.execute("select nspname from pg_namespace where nspname ~ '^(marts|meta)'"):
                    pg.execute(psycopg.sql.SQL("drop schema {} cascade").format(psycopg.sql.Identifier(schema)))
            sample, output = run_measured(python_command("treasury_warehouse", "serve"), env, work / f"serve-{run}.log")
            samples.append(sample)
            line = output.strip().splitlines()[-1]

        def latency(run_query) -> float:
            run_query()  # warm
            timings = []
            for _ in range(queries):
                started = time.perf_counter()
                run_query()
                timings.append(time.perf_counter() - started)
            return round(statistics.median(timings) * 1000, 2)

        uri = f"postgresql://{serve.READER_ROLE}@127.0.0.1:{port}/warehouse"
        with psycopg.connect(uri, password=password) as reader, duckdb.connect(str(build_path), read_only=True) as duck:
            postgres_ms = latency(lambda: reader.execute(SERVE_QUERY).fetchall())
            duckdb_ms = latency(lambda: duck.execute(SERVE_QUERY).fetchall())
    finally:
        process.terminate()
        process.wait(60)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(work / "serve", ignore_errors=True)
    return {
        "serve": {**summarise(samples), "served": line},
        "serve_query_ms": {"postgres": postgres_ms, "duckdb": duckdb_ms, "queries": queries},
    }


def _ingest_all(data_dir: Path, mirror: str, log: Path) -> None:
    env = base_env(data_dir, data_dir / "unused-airflow", mirror)
    run_measured(python_command("tools.bench", "_direct"), env, log)


def bench_dbt(work: Path, mirror: str, runs: int) -> dict:
    """dbt build alone on published sources; the slowest models; one process per node."""
    from treasury_warehouse.warehouse import builds as warehouse

    data_dir = work / "dbt" / "data"
    _ingest_all(data_dir, mirror, work / "dbt-ingest.log")
    env = base_env(data_dir, work / "unused-airflow", mirror)
    samples, slowest_runs = [], []
    code = (
        "from treasury_warehouse.warehouse import builds as warehouse; from treasury_warehouse.config import Settings; "
        + ("print(warehouse.build(Settings.from_env(), partial=True))")
    )
    for run in range(runs):
        sample, output = run_measured([sys.executable, "-c", code], env, work / f"dbt-{run}.log")
        samples.append(sample)
        build_path = Path(output.strip().splitlines()[-1])
        nodes = [n for n in warehouse.node_results(build_path) if n.unique_id.startswith("model.")]
        slowest_runs.append({n.unique_id.split(".")[-1]: n.seconds for n in nodes})
    slowest = sorted(
        ((name, statistics.median(r[name] for r in slowest_runs)) for name in slowest_runs[0]),
        key=lambda item: item[1],
        reverse=True,
    )[:5]
    order = [
        n["unique_id"]
        for n in json.loads(warehouse.sidecar(build_path, "run_results").read_text())["results"]
        if n["unique_id"].split(".")[0] in ("model", "seed")
    ]
    per_node_env = dbt_env_in(work / "dbt" / "per-node", work / "dbt" / "per-node.duckdb", data_dir / "published")
    started = time.monotonic()
    for unique_id in order:  # models and seeds only, as one task each would run them
        resource, name = unique_id.split(".")[0], unique_id.split(".")[-1]
        command = dbt_command("seed" if resource == "seed" else "run", "--select", name)
        subprocess.run(command, env=per_node_env, check=True, capture_output=True)
    per_node = time.monotonic() - started
    shutil.rmtree(work / "dbt")
    return {
        "dbt_build": summarise(samples),
        "dbt_slowest_models": {name: round(seconds, 2) for name, seconds in slowest},
        "dbt_per_node": {"wall_s": round(per_node, 1), "nodes": len(order), "runs": 1},
    }


def _scaled_tables(real_published: Path, target: Path, factor: int) -> None:
    """Copy the published sources, replacing UN votes and roll calls by factor x as many."""
    import duckdb

    shutil.copytree(real_published, target, ignore=shutil.ignore_patterns("un_votes", "un_roll_calls"))
    votes = next((real_published / "un_votes").glob("*.parquet"))
    calls = next((real_published / "un_roll_calls").glob("*.parquet"))
    for name in ("un_votes", "un_roll_calls"):
        (target / name).mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute("select setseed(0.42)")
        # Replica 0 is the real data; each further replica repeats every roll call with
        # its votes drawn from the real distribution of yes, abstain and no.
        con.execute(
            f"""
            copy (
                with dist as (
                    select
                        sum(case when vote = 'yes' then 1 else 0 end) / count(*) as p_yes,
                        sum(case when vote = 'abstain' then 1 else 0 end) / count(*) as p_abstain
                    from read_parquet('{votes}')
                ),
                drawn as (
                    select v.*, r.replica, random() as u
                    from read_parquet('{votes}') as v, range({factor}) as r(replica)
                )
                select
                    (rcid::integer + replica * {SCALE_OFFSET})::varchar as rcid,
                    country_name, country_code, code_system,
                    case when replica = 0 then vote
                        when u < p_yes then 'yes' when u < p_yes + p_abstain then 'abstain' else 'no' end as vote,
                    case when replica = 0 then vote_code
                        when u < p_yes then 1 when u < p_yes + p_abstain then 2 else 3 end as vote_code,
                    vintage, source_file, source_url, source_sha256, landed_at, vintage_basis
                from drawn, dist
            ) to '{target / "un_votes" / votes.name}' (format parquet)
            """  # noqa: S608 (the benchmark's own paths and numbers)
        )
        con.execute(
            f"""
            copy (
                select * exclude (replica) replace ((rcid::integer + replica * {SCALE_OFFSET})::varchar as rcid)
                from read_parquet('{calls}'), range({factor}) as r(replica)
            ) to '{target / "un_roll_calls" / calls.name}' (format parquet)
            """  # noqa: S608 (the benchmark's own paths and numbers)
        )


def bench_scale(work: Path, mirror: str, runs: int, factors: list[int], source_factors: list[int]) -> dict:
    """Alignment models (dbt) and the votes source (parse + gate) at growing sizes."""
    import duckdb

    from treasury_warehouse.ingest.sources import get_source

    data_dir = work / "scale" / "data"
    _ingest_all(data_dir, mirror, work / "scale-ingest.log")
    results = {}
    for factor in factors:
        scaled = work / "scale" / f"published-{factor}x"
        # Generated in a child process: a forked child starts with its parent's peak
        # memory as its own, so the measuring process must stay small.
        subprocess.run(
            python_command("tools.bench", "_scale", str(data_dir / "published"), str(scaled), str(factor)),
            env=base_env(data_dir, work / "unused-airflow", mirror),
            cwd=PROJECT_ROOT,
            check=True,
        )
        with duckdb.connect() as con:
            query = f"select count(*) from read_parquet('{scaled}/un_votes/*.parquet')"  # noqa: S608 (own paths)
            rows = con.execute(query).fetchone()[0]
        alignment_db = work / "scale" / f"alignment-{factor}x.duckdb"
        env = dbt_env_in(work / "scale" / "dbt", alignment_db, scaled)
        samples = []
        for run in range(runs):
            alignment_db.unlink(missing_ok=True)
            command = dbt_command("build", "--select", "+int_alignment_country_year")
            sample, _ = run_measured(command, env, work / f"scale-alignment-{factor}x-{run}.log")
            samples.append(sample)
        results[f"alignment_{factor}x"] = {"vote_rows": rows, **summarise(samples)}
        if factor in source_factors:
            for key, figures in _bench_votes_source(work, scaled, factor, runs, get_source("un_votes")).items():
                results[key] = {"vote_rows": rows, **figures}
        shutil.rmtree(scaled)
        alignment_db.unlink(missing_ok=True)
    shutil.rmtree(work / "scale")
    return results


NEXT_ROLL_CALL = 9_999_999  # the next release's new roll call (above every synthetic id)


def _bench_votes_source(work: Path, scaled: Path, factor: int, runs: int, source) -> dict:
    """The votes source at this size (as the unvotes CSV layout), as two nights see it: the
    first release from empty (land, parse, gate, publish), then the next release, one new
    roll call appended (land, parse, gate with the comparison against the first, publish)."""
    import duckdb

    mirror = work / "scale" / f"mirror-{factor}x"
    served = mirror / source.publisher / source.file_name
    served.parent.mkdir(parents=True, exist_ok=True)
    csv, appended = served.with_suffix(".csv"), served.with_suffix(".next.csv")
    votes = f"read_parquet('{scaled}/un_votes/*.parquet')"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select rcid, country_name as country, country_code, vote from {votes}) "  # noqa: S608 (own paths)
            f"to '{csv}' (header, delimiter ',')"
        )
        con.execute(
            f"copy (select {NEXT_ROLL_CALL} as rcid, country_name, country_code, vote from {votes} "  # noqa: S608
            f"where rcid = (select min(rcid) from {votes})) to '{appended}' (header false, delimiter ',')"
        )
    os.replace(csv, served)  # served under the registry's file name; the parser reads the layout
    size, next_rows = served.stat().st_size, appended.read_bytes()
    code = (
        "from treasury_warehouse.ingest import pipeline; from treasury_warehouse.config import Settings; "
        "pipeline.ingest('un_votes', Settings.from_env())"
    )
    first, second = [], []
    for run in range(runs):
        data_dir = work / "scale" / f"source-{factor}x-{run}"
        env = base_env(data_dir, work / "unused-airflow", str(mirror))
        sample, _ = run_measured([sys.executable, "-c", code], env, work / f"scale-source-{factor}x-{run}.log")
        first.append(sample)
        with served.open("ab") as file:
            file.write(next_rows)
        try:
            sample, _ = run_measured([sys.executable, "-c", code], env, work / f"scale-next-{factor}x-{run}.log")
        finally:
            os.truncate(served, size)
        second.append(sample)
        shutil.rmtree(data_dir)
    shutil.rmtree(mirror)
    return {f"votes_source_{factor}x": summarise(first), f"votes_next_{factor}x": summarise(second)}


# -- report ----------------------------------------------------------------------------


def machine() -> dict:
    memory_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


# What each measurement should cost (issue targets), shown beside it.
TARGETS = {
    "full_airflow": "<= 60 s",
    "nochange_airflow": "<= 10% of the full night",
    "one_source_airflow": "<= 25% of the full night",
    "setup_airflow": "(the floor under the no-change night)",
    "votes_source_50x": "<= 60 s and <= 4,096 MB",
    "votes_next_50x": "<= 60 s and <= 4,096 MB",
}


def table(report: dict) -> str:
    lines = [
        "| measurement | wall s (median [min-max]) | CPU s | peak MB | runs | target |",
        "|---|---|---|---|---|---|",
    ]

    def row(label: str, figures: dict, key: str) -> None:
        def cell(field: str) -> str:
            f = figures[field]
            return f"{f['median']:.1f} [{f['min']:.1f}-{f['max']:.1f}]" if field == "wall_s" else f"{f['median']:.0f}"

        target = TARGETS.get(key, "")
        lines.append(
            f"| {label} | {cell('wall_s')} | {cell('cpu_s')} | {cell('peak_mb')} | {figures['runs']} | {target} |"
        )

    for key, label in (
        ("full_airflow", "full nightly run under Airflow, from empty"),
        ("nochange_airflow", "the same night again, nothing changed"),
        ("one_source_airflow", "a night with one new release (TIC major holders)"),
        ("setup_airflow", "the build DAG alone, nothing to build (no ingest DAG runs)"),
        ("direct", "the same steps in one Python process"),
        ("dbt_build", "dbt build alone (+ docs)"),
        ("serve", "serve the published build into Postgres (COPY, then publish)"),
    ):
        if key in report:
            row(label, report[key], key)
    for key, figures in report.get("scale", {}).items():
        what, factor = key.rsplit("_", 1)
        label = {
            "alignment": "alignment models",
            "votes_source": "UN votes source, first release (land, parse, gate, publish)",
            "votes_next": "UN votes source, next release (the same, gated against the first)",
        }[what]
        row(f"{label}, {factor} ({figures['vote_rows']:,} vote rows)", figures, key)
    if "serve_query_ms" in report:
        q = report["serve_query_ms"]
        lines.append(
            f"| a BI query (top five holders), median of {q['queries']}: Postgres client {q['postgres']} ms,"
            f" DuckDB file {q['duckdb']} ms | | | | | |"
        )
    derived = report.get("derived", {})
    if derived:
        lines.append("")
        lines += [f"- {name}: {value}" for name, value in derived.items()]
    if "dbt_slowest_models" in report:
        lines.append(
            "- slowest models (median s): " + ", ".join(f"{k} {v}" for k, v in report["dbt_slowest_models"].items())
        )
    if "dbt_per_node" in report:
        per_node = report["dbt_per_node"]
        lines.append(
            f"- one `dbt run`/`dbt seed` process per model or seed ({per_node['nodes']} nodes, in order, "
            f"no tests): {per_node['wall_s']} s"
        )
    if "steps" in report:
        lines.append("")
        lines.append("| source | fetch s | parse s | validate s | publish s |")
        lines.append("|---|---|---|---|---|")
        sources = sorted(
            {k.split(".")[0] for k in report["steps"] if k.count(".") == 1 and k != "warehouse.build_audit_publish"}
        )
        for source in sources:
            cells = [
                f"{report['steps'][f'{source}.{step}']['median']:.2f}"
                for step in ("fetch", "parse", "validate", "publish")
            ]
            lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def derive(report: dict) -> dict:
    derived = {}
    if "full_airflow" in report and "nochange_airflow" in report:
        ratio = report["nochange_airflow"]["wall_s"]["median"] / report["full_airflow"]["wall_s"]["median"]
        derived["no-change run / full run"] = f"{ratio:.0%} (target <= 10%)"
    if "full_airflow" in report and "one_source_airflow" in report:
        ratio = report["one_source_airflow"]["wall_s"]["median"] / report["full_airflow"]["wall_s"]["median"]
        derived["one-source run / full run"] = f"{ratio:.0%} (target <= 25%)"
    if "full_airflow" in report and "setup_airflow" in report:
        ratio = report["setup_airflow"]["wall_s"]["median"] / report["full_airflow"]["wall_s"]["median"]
        derived["set-up alone (no ingest DAG) / full run"] = f"{ratio:.0%}"
    if report.get("one_source_dags"):
        derived["one-source night, each DAG's own seconds (median)"] = ", ".join(
            f"{dag_id} {seconds}" for dag_id, seconds in report["one_source_dags"].items()
        )
    if "full_airflow" in report and "direct" in report:
        ratio = report["full_airflow"]["wall_s"]["median"] / report["direct"]["wall_s"]["median"]
        derived["orchestration overhead (Airflow / direct)"] = f"{ratio:.2f}x (target < 1.5x)"
    return derived


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="all",
        choices=["all", "airflow", "direct", "dbt", "serve", "scale", "_direct", "_scale"],
    )
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", default="1,10,50", help="alignment sizes, multiples of the real vote rows")
    parser.add_argument("--source-scales", default="1,10,50", help="votes source sizes (land, parse, gate)")
    args = parser.parse_args(argv)
    if args.command == "_direct":
        _direct_worker()
        return 0
    if args.command == "_scale":
        source, target, factor = args.paths
        _scaled_tables(Path(source), Path(target), int(factor))
        return 0
    settings = Settings.from_env()
    mirror = settings.source_mirror
    if not mirror:
        print("set SOURCE_MIRROR to the publishers' files (e.g. ../shared/sources)", file=sys.stderr)
        return 2
    out_dir = settings.data_dir / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=out_dir))
    report: dict = {"machine": machine(), "started": datetime.now(UTC).isoformat(timespec="seconds"), "mirror": mirror}
    wanted = {"airflow", "direct", "dbt", "serve", "scale"} if args.command == "all" else {args.command}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

    def save() -> None:  # after every part, so a failure later keeps what was measured
        report["derived"] = derive(report)
        report["table"] = table(report)
        for path in (out_dir / f"bench-{stamp}.json", out_dir / "latest.json"):
            path.write_text(json.dumps(report, indent=2))

    if "airflow" in wanted:
        report.update(bench_airflow(work, mirror, args.runs))
        save()
    if "direct" in wanted:
        report.update(bench_direct(work, mirror, args.runs))
        save()
    if "dbt" in wanted:
        report.update(bench_dbt(work, mirror, args.runs))
        save()
    if "serve" in wanted:
        report.update(bench_serve(work, mirror, args.runs))
        save()
    if "scale" in wanted:
        factors = [int(f) for f in args.scales.split(",") if f]
        source_factors = [int(f) for f in args.source_scales.split(",") if f]
        report["scale"] = bench_scale(work, mirror, args.runs, factors, source_factors)
        save()
    shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {report['machine']}")
    print(report["table"])
    print(f"saved: {out_dir / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
