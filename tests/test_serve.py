"""The serving database: the published marts copied into a real Postgres (the distribution's
server), published by renaming schemas, read by BI tools as bi_reader and nothing more."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psycopg
import pytest
from conftest import PROJECT_ROOT, Roles

from treasury_warehouse.warehouse import builds as warehouse
from treasury_warehouse.warehouse import serve

# The README's questions, as a BI tool on another host asks them.
QUESTIONS = {
    "meta": "select m.build_id, s.source_name, s.last_period_covered, s.is_stale"
    " from meta.meta_build as m cross join meta.meta_sources as s order by s.source_name",
    "holders": "select holder_name, holdings_all_maturities_usd_bn from marts.fct_treasury_holdings_monthly"
    " where period_month = (select max(period_month) from marts.fct_treasury_holdings_monthly)"
    " order by holdings_all_maturities_usd_bn desc, holder_name limit 5",
    "blocs": "select bloc, sum(best_available_net_purchases_usd_bn) from"
    " marts.fct_bloc_flows_yearly group by bloc order by bloc",
}


@pytest.fixture
def fresh(roles: Roles) -> Roles:
    """The serving database emptied of every build (tests share one server)."""
    with roles.writer.connect(autocommit=True) as pg, pg.cursor() as cur:
        cur.execute("select nspname from pg_namespace where nspname ~ '^(marts|meta)(__.*)?$'")
        for (schema,) in cur.fetchall():
            cur.execute(psycopg.sql.SQL("drop schema {} cascade").format(psycopg.sql.Identifier(schema)))
    return roles


def later_build(settings, after: Path, seconds: int, change: str | None = None) -> Path:
    """A kept build as a later build leaves it (the folder under a later stamp), its
    meta.meta_build naming it; ``change`` alters its marts so that two builds differ."""
    import shutil
    from datetime import datetime, timedelta

    stamp = datetime.strptime(warehouse.build_id(after).removeprefix("warehouse-"), "%Y%m%dT%H%M%S%fZ")
    name = f"warehouse-{stamp + timedelta(seconds=seconds):%Y%m%dT%H%M%S%fZ}"
    shutil.copytree(after.parent, settings.builds_dir / name, symlinks=True)
    path = settings.builds_dir / name / warehouse.BUILD_FILE
    path.chmod(0o644)
    with duckdb.connect(str(path)) as con:
        con.execute("update meta.meta_build set build_id = ?", [name])
        if change:
            con.execute(change)
    path.chmod(0o444)
    return path


def psql(roles: Roles, sql: str, user: str = serve.READER_ROLE) -> subprocess.CompletedProcess:
    """A client that knows only a URI and a password, as on another host."""
    return subprocess.run(
        ["psql", roles.server.uri(user), "-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=roles.reader_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def duck_rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_build_is_served_with_its_rows_keys_comments_and_types(published, fresh: Roles) -> None:
    build = warehouse.published_build(published)

    served = serve.serve(fresh.writer, build)

    assert served.loaded
    assert served.replaced is None
    with duckdb.connect(str(build), read_only=True) as duck:
        tables = serve.tables_of(duck)
        metas = len(list((PROJECT_ROOT / "dbt_project" / "models" / "meta").glob("meta_*.sql")))
        assert served.tables == len(tables) == len(warehouse.marts_in(build)) + metas
        with fresh.writer.connect() as pg, pg.cursor() as cur:
            for table in tables:
                name = f'{table.schema}."{table.name}"'
                key = ", ".join(table.primary_key)
                assert key, f"{name} has no primary key"
                # Every row and value, in key order: nulls, empty strings, dates, floats, times.
                ordered = f"select * from {name} order by {key}"  # names from the catalogue
                cur.execute(ordered)
                assert cur.fetchall() == duck.execute(ordered).fetchall(), name
                cur.execute(
                    "select a.attname from pg_index i join pg_attribute a"
                    " on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
                    " where i.indisprimary and i.indrelid = %s::regclass",
                    [name],
                )
                assert tuple(r[0] for r in cur.fetchall()) == table.primary_key
                cur.execute("select obj_description(%s::regclass, 'pg_class')", [name])
                assert cur.fetchone()[0] == table.comment
                cur.execute(
                    "select attname, col_description(attrelid, attnum), format_type(atttypid, atttypmod), attnotnull"
                    " from pg_attribute where attrelid = %s::regclass and attnum > 0 order by attnum",
                    [name],
                )
                assert cur.fetchall() == [(c.name, c.comment, _pg_name(c.pg_type), c.not_null) for c in table.columns]
    assert served.rows == sum(duck_rows(build, f'select count(*) from {t.schema}."{t.name}"')[0][0] for t in tables)


def _pg_name(pg_type: str) -> str:
    return {"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone"}.get(pg_type, pg_type)


def _second_build_served(settings, fresh: Roles) -> tuple[Path, str]:
    """The published build served, then a later one: the later build and the marts schema
    the first stepped aside to."""
    first = warehouse.published_build(settings)
    serve.serve(fresh.writer, first)
    second = later_build(settings, first, 1)
    serve.serve(fresh.writer, second)
    return second, serve.build_schema("marts", warehouse.build_id(first))


def test_bi_reader_answers_the_readme_questions_and_is_refused_everything_else(published_copy, fresh: Roles) -> None:
    second, old = _second_build_served(published_copy, fresh)

    for name, sql in QUESTIONS.items():
        answer = psql(fresh, sql)
        assert answer.returncode == 0, (name, answer.stderr)
        expected = duck_rows(second, sql)
        assert len(answer.stdout.splitlines()) == len(expected) > 0, name
        for line, row in zip(answer.stdout.splitlines(), expected, strict=True):
            assert line.split("|")[0] == str(row[0]), name
            if isinstance(row[-1], float):
                assert float(line.split("|")[-1]) == pytest.approx(row[-1]), name
    refused = {
        "insert": "insert into marts.dim_country (country_key) values ('x')",
        "update": "update marts.dim_country set country_key = 'x'",
        "delete": "delete from meta.meta_sources",
        "truncate": "truncate marts.dim_country",
        "drop": "drop table marts.dim_country",
        "create in marts": "create table marts.mine (x int)",
        "create schema": "create schema mine",
        "create in public": "create table public.mine (x int)",
        "temporary table": "create temporary table mine (x int)",
        "an older build": f"select count(*) from {old}.dim_country",
    }
    for what, sql in refused.items():
        answer = psql(fresh, sql)
        assert answer.returncode != 0, what
        assert "permission denied" in answer.stderr or "must be owner" in answer.stderr, (what, answer.stderr)
    granted = psql(fresh, "grant select on marts.dim_country to public")
    assert "no privileges were granted" in granted.stderr
    assert psql(fresh, "select 1", user="nobody").returncode != 0
    # The writer's password is nowhere in the DSN a log shows.
    assert fresh.writer.password not in fresh.writer.where


def test_a_schema_left_granted_is_put_out_of_reach_by_the_next_publication(published_copy, fresh: Roles) -> None:
    """The schemas that step aside lose the reader's grant once the renames commit; one that a
    publication cut short between the two left granted loses it at the next serve."""
    second, old = _second_build_served(published_copy, fresh)
    assert "permission denied" in psql(fresh, f"select count(*) from {old}.dim_country").stderr
    with fresh.writer.connect(autocommit=True) as pg:
        pg.execute(f"grant usage on schema {old} to {serve.READER_ROLE}")
    assert psql(fresh, f"select count(*) from {old}.dim_country").returncode == 0  # left granted

    served = serve.serve(fresh.writer, second)  # already published: no load, no rename

    assert (served.loaded, served.replaced) == (False, None)
    answer = psql(fresh, f"select count(*) from {old}.dim_country")
    assert answer.returncode != 0
    assert "permission denied" in answer.stderr, answer.stderr
    assert psql(fresh, "select count(*) from marts.dim_country").returncode == 0


POLLER = """
import sys, time, psycopg
uri, stop = sys.argv[1], sys.argv[2]
seen, errors = set(), []
import os
while not os.path.exists(stop):
    try:
        with psycopg.connect(uri, connect_timeout=10) as pg:
            row = pg.execute(
                "select (select build_id from meta.meta_build),"
                " (select count(*) from marts.fct_treasury_holdings_monthly)"
            ).fetchone()
            seen.add(row)
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.005)
print(sorted(seen))
print(errors[:5])
"""


def test_readers_during_publications_see_no_error_and_no_mixed_build(published_copy, fresh: Roles, tmp_path) -> None:
    settings = published_copy
    first = warehouse.published_build(settings)
    second = later_build(
        settings, first, 1, change="delete from marts.fct_treasury_holdings_monthly where holder_name = 'Japan'"
    )
    serve.serve(fresh.writer, first)
    serve.serve(fresh.writer, second)  # both loaded: from now on publications are renames
    counts = {
        b: duck_rows(b, "select count(*) from marts.fct_treasury_holdings_monthly")[0][0] for b in (first, second)
    }
    expected = {(_meta_build(b), n) for b, n in counts.items()}
    stop = tmp_path / "stop"
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER, fresh.server.uri(serve.READER_ROLE), str(stop)],
        env=fresh.reader_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    # A long query that starts on one build finishes on it, while another is published.
    long_running = subprocess.Popen(
        [
            "psql",
            fresh.server.uri(serve.READER_ROLE),
            "-X",
            "-A",
            "-t",
            "-c",
            "select count(*) from marts.fct_treasury_holdings_monthly, pg_sleep(2)",
        ],
        env=fresh.reader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    started = time.monotonic()
    for build in [first, second] * 5:
        served = serve.serve(fresh.writer, build)
        assert not served.loaded
    switching = time.monotonic() - started
    out, err = long_running.communicate(timeout=60)
    stop.write_text("")
    seen, errors = poller.communicate(timeout=60)[0].splitlines()
    assert (long_running.returncode, err) == (0, "")
    assert int(out.strip()) == counts[second]  # it started while the second build was published
    assert errors == "[]", errors
    assert set(eval(seen)) == expected  # noqa: S307 (the poller's own printed list)
    assert switching < 30


def _meta_build(path: Path) -> str:
    return duck_rows(path, "select build_id from meta.meta_build")[0][0]


def test_a_failed_or_killed_load_leaves_the_served_marts(published_copy, fresh: Roles, monkeypatch) -> None:
    settings = published_copy
    first = warehouse.published_build(settings)
    serve.serve(fresh.writer, first)
    second = later_build(settings, first, 1)

    monkeypatch.delitem(serve.PG_TYPES, "DOUBLE")
    with pytest.raises(serve.ServeFailed, match="no Postgres type for DOUBLE"):
        serve.serve(fresh.writer, second)
    monkeypatch.undo()
    assert _served(fresh) == (warehouse.build_id(first), [])

    # Killed in the middle of its transaction, as a dying worker would be.
    warehouse.publish(settings, second)
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "SERVING_DSN": fresh.writer.dsn,
        "SERVING_PASSWORD": fresh.writer.password,
    }
    env.pop("WAREHOUSE_PATH", None)
    loader = subprocess.Popen(
        [sys.executable, "-m", "treasury_warehouse", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    killed_in_transaction = False
    with fresh.writer.connect(autocommit=True) as pg:
        deadline = time.monotonic() + 60
        while loader.poll() is None and time.monotonic() < deadline:
            active = pg.execute(
                "select count(*) from pg_stat_activity where usename = %s and pid <> pg_backend_pid()"
                " and xact_start is not null and query ilike 'copy%%'",
                [serve.WRITER_ROLE],
            ).fetchone()[0]
            if active:
                os.kill(loader.pid, signal.SIGKILL)
                killed_in_transaction = True
                break
            time.sleep(0.005)
        loader.wait(30)
        while pg.execute(
            "select count(*) from pg_stat_activity where usename = %s and pid <> pg_backend_pid()",
            [serve.WRITER_ROLE],
        ).fetchone()[0]:
            time.sleep(0.1)
    assert killed_in_transaction, loader.stderr.read()
    assert _served(fresh) == (warehouse.build_id(first), [])
    # The next serve loads it whole.
    served = serve.serve(fresh.writer, second)
    assert served.loaded
    assert _served(fresh) == (warehouse.build_id(second), [serve.build_schema("marts", warehouse.build_id(first))])


def _served(roles: Roles) -> tuple[str | None, list[str]]:
    with roles.writer.connect(autocommit=True) as pg, pg.cursor() as cur:
        current = serve.published(cur)
        cur.execute("select nspname from pg_namespace where nspname ~ '^marts__' order by 1")
        return current, [r[0] for r in cur.fetchall()]


def test_rollback_serves_the_previous_build_and_old_builds_are_dropped(published_copy, fresh: Roles) -> None:
    settings = dataclasses.replace(published_copy, keep_builds=5)
    first = warehouse.published_build(settings)
    serve.serve(fresh.writer, first)
    second, third = later_build(settings, first, 1), later_build(settings, first, 2)
    for build in (second, third):
        warehouse.publish(settings, build)
        serve.serve(fresh.writer, build)
    # keep=2: the published build and one more stay loaded.
    ids = [warehouse.build_id(b) for b in (first, second, third)]
    assert _served(fresh) == (ids[2], [serve.build_schema("marts", ids[1])])

    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "KEEP_BUILDS": "5",
        "SERVING_DSN": fresh.writer.dsn,
        "SERVING_PASSWORD": fresh.writer.password,
        "SERVING_KEEP_BUILDS": "2",
    }
    env.pop("WAREHOUSE_PATH", None)
    rolled = subprocess.run(
        [sys.executable, "-m", "treasury_warehouse", "rollback"], env=env, capture_output=True, text=True, check=False
    )
    assert rolled.returncode == 0, rolled.stderr
    assert f"served {ids[1]} in place of {ids[2]} (kept from before)" in rolled.stdout
    assert _served(fresh) == (ids[1], [serve.build_schema("marts", ids[2])])
    assert fresh.writer.password not in rolled.stdout + rolled.stderr
    answer = psql(fresh, "select build_id from meta.meta_build")
    assert answer.stdout.strip() == ids[1]


def test_no_password_in_the_dsn(monkeypatch) -> None:
    monkeypatch.setenv("SERVING_DSN", "host=db user=warehouse_writer password=secret")
    with pytest.raises(serve.ServeFailed, match="SERVING_PASSWORD"):
        serve.Serving.from_env()
    monkeypatch.setenv("SERVING_DSN", "postgresql://warehouse_writer:secret@db/warehouse")
    with pytest.raises(serve.ServeFailed, match="SERVING_PASSWORD"):
        serve.Serving.from_env()
    monkeypatch.delenv("SERVING_DSN")
    assert serve.Serving.from_env() is None
