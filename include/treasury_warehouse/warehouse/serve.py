"""Serve the published marts to BI tools on other machines: a Postgres copy, published atomically.

The embedded DuckDB file stays the builder. After a build is published, its ``marts`` and
``meta`` schemas (tables, column types, primary keys, table and column comments) are
copied into a Postgres database, into schemas of the build's own (``marts__<stamp>``,
``meta__<stamp>``), in one transaction with ``COPY``: a load that fails or is killed
leaves nothing behind. Publication renames schemas in one more transaction: the
published ``marts`` and ``meta`` step aside under their build's stamp and the new ones
take their names, so a query that is running finishes on the old tables, a new query
sees the new ones, and no statement ever sees one build's marts with another's meta.
The role BI tools log in as (``bi_reader``) has ``USAGE`` on the published schemas and
``SELECT`` on their tables, nothing else: the new names are granted in the renames'
transaction, and the schemas that stepped aside lose the grant in the next one. The last
``keep`` builds stay loaded, so a rollback is a rename too.

Off unless ``SERVING_DSN`` is set: a libpq connection string without a password
(``host=... port=... dbname=warehouse user=warehouse_writer``); the writer's password is
``SERVING_PASSWORD`` (or an Airflow connection, handed in by the DAG), never in a URL.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from treasury_warehouse.errors import PipelineError

log = logging.getLogger(__name__)

SCHEMAS = ("marts", "meta")
WRITER_ROLE = "warehouse_writer"
READER_ROLE = "bi_reader"
DEFAULT_KEEP = 3
COPY_CHUNK = 1 << 20
# A publication waits this long for a lock (a DDL of another serve), then fails.
LOCK_TIMEOUT = "30s"
# A publication takes the published tables for the instant of its renames, and tries
# again while a query still reads them, this long at most: a statement resolves each
# table's name when it locks it, so without the lock one statement could resolve meta
# before the renames commit and marts after (a mixed build).
READERS_WAIT_S = 30.0
RETRY_S = 0.05
# The schemas a publication retires lose the reader's grant this long after the renames
# commit (see _out_of_reach).
RETIRE_AFTER_S = 1.0
# DuckDB's types in the marts, and Postgres's for them.
PG_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "VARCHAR": "text",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class ServeFailed(PipelineError):
    """The serving database was not updated; what it served before is still served."""


@dataclass(frozen=True)
class Serving:
    """Where the marts are served and who writes them."""

    dsn: str
    password: str | None = None
    reader: str = READER_ROLE
    keep: int = DEFAULT_KEEP

    @classmethod
    def from_env(cls, password: str | None = None) -> Serving | None:
        dsn = os.environ.get("SERVING_DSN", "").strip()
        if not dsn:
            return None
        if "password=" in dsn or re.match(r"\w+://[^/]*:[^/@]*@", dsn):
            raise ServeFailed(
                "serve", "SERVING_DSN", "no_password_in_dsn", "give the password in SERVING_PASSWORD, not in the DSN"
            )
        keep = int(os.environ.get("SERVING_KEEP_BUILDS", DEFAULT_KEEP))
        if keep < 1:
            raise ServeFailed("serve", "SERVING_KEEP_BUILDS", "keep", f"must be at least 1, not {keep}")
        return cls(
            dsn=dsn,
            password=password or os.environ.get("SERVING_PASSWORD") or None,
            reader=os.environ.get("SERVING_READER_ROLE", READER_ROLE),
            keep=keep,
        )

    def connect(self, **kwargs):
        import psycopg

        try:
            return psycopg.connect(self.dsn, password=self.password, connect_timeout=20, **kwargs)
        except psycopg.OperationalError as exc:
            raise ServeFailed("serve", self.where, "connect", _first_line(exc)) from None

    @property
    def where(self) -> str:
        """The DSN as a log may show it (it holds no password)."""
        return self.dsn


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    comment: str | None
    not_null: bool


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class Served:
    build: str
    loaded: bool  # False: the build's schemas were kept from before (a rollback)
    replaced: str | None
    tables: int
    rows: int
    seconds: float
    dropped: tuple[str, ...] = ()

    def line(self) -> str:
        how = f"loaded {self.tables} tables, {self.rows:,} rows" if self.loaded else "kept from before"
        instead = f" in place of {self.replaced}" if self.replaced else ""
        return f"served {self.build}{instead} ({how}) in {self.seconds:.1f}s"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def stamp(build: str) -> str:
    """warehouse-20261206T061417621149Z -> 20261206t061417621149z (a schema name's part)."""
    return build.removeprefix("warehouse-").lower()


def build_schema(schema: str, build: str) -> str:
    return f"{schema}__{stamp(build)}"


def pg_type(duckdb_type: str) -> str | None:
    if duckdb_type in PG_TYPES:
        return PG_TYPES[duckdb_type]
    if match := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({match.group(1)},{match.group(2)})"
    return None


def tables_of(con) -> list[Table]:
    """The marts and meta tables of a DuckDB build, as Postgres will hold them."""
    keys = {
        (schema, table): tuple(columns)
        for schema, table, columns in con.execute(
            "select schema_name, table_name, constraint_column_names from duckdb_constraints()"
            " where constraint_type = 'PRIMARY KEY' and schema_name in ('marts', 'meta')"
        ).fetchall()
    }
    tables = []
    for schema, name, comment in con.execute(
        "select schema_name, table_name, comment from duckdb_tables()"
        " where database_name = current_database() and schema_name in ('marts', 'meta') order by 1, 2"
    ).fetchall():
        columns = []
        for column, data_type, column_comment, nullable in con.execute(
            "select column_name, data_type, comment, is_nullable from duckdb_columns()"
            " where database_name = current_database() and schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall():
            mapped = pg_type(data_type)
            if mapped is None:
                detail = f"{column}: no Postgres type for {data_type}"
                raise ServeFailed("serve", f"{schema}.{name}", "column_type", detail)
            columns.append(Column(column, mapped, column_comment or None, not nullable))
        tables.append(Table(schema, name, comment or None, tuple(columns), keys.get((schema, name), ())))
    return tables


def _sql(statement: str, *identifiers: str):
    from psycopg import sql

    return sql.SQL(statement).format(*(sql.Identifier(i) for i in identifiers))


def _comment(cur, what: str, target, text: str | None) -> None:
    from psycopg import sql

    if text:
        cur.execute(sql.SQL("comment on {} {} is {}").format(sql.SQL(what), target, sql.Literal(text)))


def load(serving: Serving, build_path: Path) -> tuple[int, int]:
    """Copy a build's marts and meta into its own schemas, in one transaction; (tables, rows)."""
    import duckdb
    from psycopg import sql

    build = build_path.parent.name
    rows = 0
    with (
        duckdb.connect(str(build_path), read_only=True) as duck,
        tempfile.TemporaryDirectory(prefix="serve-") as scratch,
        serving.connect() as pg,
    ):
        tables = tables_of(duck)
        with pg.transaction(), pg.cursor() as cur:
            for schema in SCHEMAS:
                target = build_schema(schema, build)
                cur.execute(_sql("drop schema if exists {} cascade", target))
                cur.execute(_sql("create schema {}", target))
                _comment(cur, "schema", sql.Identifier(target), build)
            for table in tables:
                target = sql.Identifier(build_schema(table.schema, build), table.name)
                columns = sql.SQL(", ").join(
                    sql.SQL("{} {}{}").format(
                        sql.Identifier(c.name), sql.SQL(c.pg_type), sql.SQL(" not null" if c.not_null else "")
                    )
                    for c in table.columns
                )
                cur.execute(sql.SQL("create table {} ({})").format(target, columns))
                rows += _copy(duck, cur, table, target, Path(scratch))
                if table.primary_key:
                    key = sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key)
                    cur.execute(sql.SQL("alter table {} add primary key ({})").format(target, key))
                _comment(cur, "table", target, table.comment)
                for column in table.columns:
                    named = sql.SQL("{}.{}").format(target, sql.Identifier(column.name))
                    _comment(cur, "column", named, column.comment)
                cur.execute(sql.SQL("analyze {}").format(target))
    return len(tables), rows


def _copy(duck, cur, table: Table, target, scratch: Path) -> int:
    """DuckDB writes the table as CSV, Postgres reads it with COPY: no row goes through Python."""
    from psycopg import sql

    path = scratch / f"{table.schema}.{table.name}.csv"
    quoted = str(path).replace("'", "''")
    # Names come from DuckDB's catalogue; the path is the scratch folder's own.
    duck.execute(f"copy {table.schema}.\"{table.name}\" to '{quoted}' (format csv, header false)")
    with cur.copy(sql.SQL("copy {} from stdin (format csv)").format(target)) as copy, path.open("rb") as data:
        while chunk := data.read(COPY_CHUNK):
            copy.write(chunk)
    path.unlink()
    return cur.rowcount


def published(cur) -> str | None:
    """The build the published schemas hold (their comment), if any."""
    cur.execute("select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'marts'")
    row = cur.fetchone()
    return row[0] if row else None


# A build's own schemas, loaded and not published (``build_schema``).
KEPT_SCHEMA = r"^(marts|meta)__[0-9]{8}t[0-9]+z$"


def kept(cur) -> dict[str, set[str]]:
    """Builds whose schemas are loaded and not published: build -> its schemas."""
    cur.execute(
        "select nspname, obj_description(oid, 'pg_namespace') from pg_namespace where nspname ~ %s", [KEPT_SCHEMA]
    )
    builds: dict[str, set[str]] = {}
    for schema, build in cur.fetchall():
        builds.setdefault(build or schema.split("__", 1)[1], set()).add(schema)
    return builds


def publish(serving: Serving, build: str) -> str | None:
    """Give a loaded build's schemas the published names, in one transaction; the build
    they replace keeps its schemas under its stamp, out of the readers' reach a second
    later (``_out_of_reach``).

    The transaction first takes every published table at once without waiting (NOWAIT):
    while a query reads one it gives way and tries again, so it never holds a table a
    reader waits for while it waits itself (no deadlock), a running query finishes on
    its build, and a statement that looks a name up during the renames waits the instant
    they take and then finds the new build's tables, all of them."""
    import psycopg

    deadline = time.monotonic() + READERS_WAIT_S
    while True:
        try:
            replaced = _publish_once(serving, build)
            break
        except psycopg.errors.LockNotAvailable as exc:
            if time.monotonic() > deadline:
                raise ServeFailed(
                    "serve",
                    build,
                    "readers",
                    f"queries held the published tables for {READERS_WAIT_S:.0f}s; {serving.where()} still serves"
                    " the build before",
                ) from exc
            time.sleep(RETRY_S)
    if replaced not in (None, build):
        time.sleep(RETIRE_AFTER_S)
    _out_of_reach(serving)
    return replaced


def _publish_once(serving: Serving, build: str) -> str | None:
    with serving.connect() as pg, pg.transaction(), pg.cursor() as cur:
        cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
        current = published(cur)
        if current == build:
            return current
        if set(SCHEMAS) - {s.split("__", 1)[0] for s in kept(cur).get(build, set())}:
            raise ServeFailed("serve", build, "loaded", "its schemas are not loaded")
        if current is not None:
            from psycopg import sql

            cur.execute("select schemaname, tablename from pg_tables where schemaname = any(%s)", [list(SCHEMAS)])
            tables = [sql.Identifier(schema, table) for schema, table in cur.fetchall()]
            if tables:
                cur.execute(sql.SQL("lock table {} in access exclusive mode nowait").format(sql.SQL(", ").join(tables)))
        for schema in SCHEMAS:
            if current is not None:
                cur.execute(_sql("alter schema {} rename to {}", schema, build_schema(schema, current)))
            cur.execute(_sql("alter schema {} rename to {}", build_schema(schema, build), schema))
            cur.execute(_sql("grant usage on schema {} to {}", schema, serving.reader))
            cur.execute(_sql("grant select on all tables in schema {} to {}", schema, serving.reader))
        return current


def _out_of_reach(serving: Serving) -> None:
    """Revoke the reader's access to every schema that is not published (the ones that just
    stepped aside, or any a publication cut short left granted), after the renames commit.

    Postgres checks a schema's grant when a statement looks its name up, before the
    statement locks any table. Revoked in the renames' own transaction, a reader's
    statement could look ``meta`` up just before they commit (the old schema) and read
    that schema's grant just after (revoked): "permission denied for schema meta"
    instead of the new build. Revoked right after the commit, a statement caught between
    both commits still could (Postgres 15: 2 in 2,400 statements of new connections
    while schemas were swapped 1,000 times); revoked a second later, it would have to
    stall a second between its two catalogue reads. A statement that found the old
    schema granted waits for its tables, then reads the new build's."""
    with serving.connect() as pg, pg.transaction(), pg.cursor() as cur:
        cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
        cur.execute(
            "select nspname from pg_namespace where nspname ~ %s and has_schema_privilege(%s, oid, 'USAGE')",
            [KEPT_SCHEMA, serving.reader],
        )
        for (schema,) in cur.fetchall():
            cur.execute(_sql("revoke all on schema {} from {}", schema, serving.reader))


def prune(serving: Serving, keep_also: set[str]) -> tuple[str, ...]:
    """Drop the schemas of builds beyond the newest ``keep`` (and not in keep_also). A
    drop waits for no reader: one that would is left for the next serve."""
    import psycopg

    dropped = []
    with serving.connect(autocommit=True) as pg, pg.cursor() as cur:
        loaded = kept(cur)
        current = published(cur)
        newest = sorted({*loaded, *([current] if current else [])}, reverse=True)[: serving.keep]
        for build in sorted(set(loaded) - set(newest) - keep_also):
            try:
                with pg.transaction():
                    cur.execute("set local lock_timeout = '2s'")
                    for schema in sorted(loaded[build]):
                        cur.execute(_sql("drop schema {} cascade", schema))
                dropped.append(build)
            except psycopg.Error as exc:  # a reader still on an old build: dropped next time
                log.warning("serving: %s not dropped yet: %s", build, _first_line(exc))
    return tuple(dropped)


def serve(serving: Serving, build_path: Path) -> Served:
    """Load (unless kept from before) and publish one build; drop builds beyond ``keep``."""
    import psycopg

    build = build_path.parent.name
    started = time.monotonic()
    try:
        with serving.connect(autocommit=True) as pg, pg.cursor() as cur:
            loaded_before = {s.split("__", 1)[0] for s in kept(cur).get(build, set())} == set(SCHEMAS)
            already = published(cur) == build
        tables = rows = 0
        if not (already or loaded_before):
            tables, rows = load(serving, build_path)
        replaced = publish(serving, build)
        dropped = prune(serving, {build})
    except psycopg.Error as exc:
        detail = f"{_first_line(exc)} (serving database: {serving.where})"
        raise ServeFailed("serve", build, "postgres", detail) from None
    served = Served(
        build,
        loaded=not (already or loaded_before),
        replaced=None if replaced == build else replaced,
        tables=tables,
        rows=rows,
        seconds=time.monotonic() - started,
        dropped=dropped,
    )
    log.info("%s", served.line())
    return served


def init(
    admin: Serving, writer_password: str, reader_password: str, database: str = "warehouse", reader: str = READER_ROLE
) -> list[str]:
    """Create (or update) the serving database and its two roles; what was done.

    Run once by an administrator: the writer owns the database (it creates and renames
    schemas); the reader may connect, and no more until a publication grants it the
    published schemas; nobody else may connect or create anything."""
    import psycopg

    done = []
    with admin.connect(autocommit=True) as pg, pg.cursor() as cur:
        for role, password in ((WRITER_ROLE, writer_password), (reader, reader_password)):
            cur.execute("select 1 from pg_roles where rolname = %s", [role])
            verb = "alter" if cur.fetchone() else "create"
            statement = psycopg.sql.SQL("{} role {} login password {}").format(
                psycopg.sql.SQL(verb), psycopg.sql.Identifier(role), psycopg.sql.Literal(password)
            )
            cur.execute(statement)
            done.append(f"{verb} role {role} login")
        cur.execute("select 1 from pg_database where datname = %s", [database])
        if not cur.fetchone():
            cur.execute(_sql("create database {} owner {}", database, WRITER_ROLE))
            done.append(f"create database {database} owner {WRITER_ROLE}")
        cur.execute(_sql("alter database {} owner to {}", database, WRITER_ROLE))
        cur.execute(_sql("revoke all on database {} from public", database))
        cur.execute(_sql("grant connect on database {} to {}", database, reader))
        done.append(f"revoke all on database {database} from public; grant connect to {reader}")
    in_database = Serving(_with_dbname(admin.dsn, database), admin.password)
    with in_database.connect(autocommit=True) as pg, pg.cursor() as cur:
        try:
            cur.execute("revoke all on schema public from public")
            done.append("revoke all on schema public from public")
        except psycopg.Error as exc:
            raise ServeFailed("serve", database, "init", _first_line(exc)) from None
    return done


def _with_dbname(dsn: str, database: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**{**conninfo_to_dict(dsn), "dbname": database})
