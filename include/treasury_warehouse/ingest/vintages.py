"""The second half of the gate: a new file against the last published vintage of its source.

A well-formed file can still be wrong: a holder or a month missing, a number cut short, a
unit changed in the newest rows. Publishers revise, but they do not drop history or move
old figures by much. Each source declares in the registry (``Source.compare``) what a
series and a period are and how far a published value may be revised; from that, three
derived tables are checked by the same Great Expectations gate as the suites:

series   every series in the published vintage is still there
periods  every period is still there, and so is every value of every series
revisions values both files hold agree within the source's tolerance; level series'
         new periods are of the same scale as their published ones

A genuine large revision (a benchmark, a new survey) passes with ``force`` and a reason,
which is recorded beside the published vintage.

``checks`` builds the tables in pandas; ``checks_in_database`` builds the same tables with
DuckDB from the two Parquet files, keeping only their failing rows, for files too large to
hold twice in memory (``in_database``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.sources import Comparison, Source

log = logging.getLogger(__name__)

# A level series whose new periods are more than SCALE times (or less than 1/SCALE of) its
# last published periods has changed unit or columns, unless both are small.
SCALE = 5.0
SCALE_FLOOR_MULTIPLE = 100  # "small": under 100 x the source's absolute tolerance
RECENT_PERIODS = 4


def last_published(published_dir: Path, name: str, except_sha256: str) -> Path | None:
    """The newest published vintage of a source other than the file being gated."""
    candidates = [
        path
        for path in (published_dir / name).glob("vintage=*.parquet")
        if f"__{except_sha256[:12]}__" not in path.name
    ]
    if not candidates:
        return None

    def landed(path: Path) -> tuple[str, pd.Timestamp]:
        vintage = path.name.split("__")[0].removeprefix("vintage=")
        stamps = pd.read_parquet(path, columns=["landed_at"])["landed_at"]
        return vintage, pd.Timestamp(stamps.max()) if len(stamps) else pd.Timestamp(0)

    return max(candidates, key=landed)


def checks(source: Source, new: pd.DataFrame, published: pd.DataFrame) -> list[Check]:
    spec = source.compare
    if spec is None:
        return []
    if not spec.series:  # one series per file: name it, so every check has a series
        spec = dataclasses.replace(spec, series=("series",))
        new, published = new.assign(series="all"), published.assign(series="all")
    if spec.rolling_window and _window_moved(spec.period, new, published):
        published = published[published[spec.period] >= new[spec.period].min()]
    if spec.snapshot and spec.period in new.columns and spec.period in published.columns:
        published = published[published[spec.period].isin(new[spec.period].dropna().unique())]
        if published.empty:  # a new period's snapshot: nothing published to compare with
            return []
    key = [*spec.series, spec.period]
    missing = [c for c in (*key, *spec.values) if c not in new.columns or c not in published.columns]
    if missing:  # the suite's schema expectation names a missing column
        return []
    old = _rows(published, key, spec.values)
    fresh = _rows(new, key, spec.values)
    return [
        _series(spec, old, fresh),
        _periods(spec, old, fresh),
        *_revisions(spec, old, fresh),
    ]


def _window_moved(period: str, new: pd.DataFrame, published: pd.DataFrame) -> bool:
    """A moving window moved forward (newer periods, a span as long, give or take a week),
    rather than lost its end: then the periods before its start may go."""
    if period not in new.columns or period not in published.columns or new[period].isna().all():
        return False
    span_new = new[period].max() - new[period].min()
    span_old = published[period].max() - published[period].min()
    return bool(new[period].max() > published[period].max() and span_new >= span_old - pd.Timedelta(days=7))


def _rows(frame: pd.DataFrame, key: list[str], values: tuple[str, ...]) -> pd.DataFrame:
    """The compared columns, with key columns in one type whichever file they came from."""
    table = frame[[*key, *values]].drop_duplicates(subset=key)
    types: dict[str, str] = {}
    for column in key:
        if pd.api.types.is_datetime64_any_dtype(table[column]):
            types[column] = "datetime64[ns]"
        elif pd.api.types.is_integer_dtype(table[column]):
            types[column] = "int64"
        elif not pd.api.types.is_numeric_dtype(table[column]):
            types[column] = "string"
    return table.astype(types)


def _series(spec: Comparison, old: pd.DataFrame, new: pd.DataFrame) -> Check:
    series = list(spec.series)
    published = old[series].drop_duplicates()
    present = new[series].drop_duplicates().assign(in_new_file=True)
    table = published.merge(present, how="left", on=series)
    table["in_new_file"] = table["in_new_file"].fillna(False).astype(bool)
    return Check(
        "series_vs_published",
        table,
        [gxe.ExpectColumnValuesToBeInSet(column="in_new_file", value_set=[True])],
        index_columns=series,
    )


def _periods(spec: Comparison, old: pd.DataFrame, new: pd.DataFrame) -> Check:
    """Every (series, period) the published vintage holds, still held, and every value it
    holds still there (not blank). A series that vanished entirely is reported once, by the
    series check, not per period."""
    key = [*spec.series, spec.period]
    surviving = new[list(spec.series)].drop_duplicates()
    held = old.merge(surviving, on=list(spec.series))
    tables = []
    for column in [None, *spec.values]:  # the row itself, then each value it holds
        published = held if column is None else held[held[column].notna()]
        kept = new if column is None else new[new[column].notna()]
        table = published[key].merge(kept[key].assign(in_new_file=True), how="left", on=key)
        tables.append(table.assign(column=column or ""))
    table = pd.concat(tables, ignore_index=True)
    table["in_new_file"] = table["in_new_file"].fillna(False).astype(bool)
    return Check(
        "periods_vs_published",
        table,
        [gxe.ExpectColumnValuesToBeInSet(column="in_new_file", value_set=[True])],
        index_columns=[*key, "column"],
    )


def _revisions(spec: Comparison, old: pd.DataFrame, new: pd.DataFrame) -> list[Check]:
    if not spec.values:
        return []
    key = [*spec.series, spec.period]
    both = old.merge(new, on=key, suffixes=("_published", "_new"))
    tables = []
    for column in spec.values:
        before, after = both[f"{column}_published"], both[f"{column}_new"]
        compared = both[key].assign(published=before, new=after)
        compared = compared[before.notna() & after.notna()]
        if pd.api.types.is_numeric_dtype(before) and pd.api.types.is_numeric_dtype(after):
            allowed = (spec.relative * compared["published"].abs()).clip(lower=spec.absolute)
            change = (compared["new"] - compared["published"]).abs()
            compared = compared.assign(change=change, allowed=allowed, within=change <= allowed + 1e-9)
        else:
            compared = compared.assign(within=compared["published"].astype(str) == compared["new"].astype(str))
        tables.append(compared.assign(column=column))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    checks = [
        Check(
            "revisions_vs_published",
            table,
            [gxe.ExpectColumnValuesToBeInSet(column="within", value_set=[True])],
            index_columns=["column", *key, "published", "new"],
        )
    ]
    if spec.levels:
        checks.append(_scale(spec, old, new))
    return checks


def _scale(spec: Comparison, old: pd.DataFrame, new: pd.DataFrame) -> Check:
    """Per series and value column: the median size of the new periods against the median
    size of the last published periods, and against the last published period's size. A new
    period of the same scale as either passes: a unit change differs from both, while a
    series that already moved (a holder whose position fell tenfold in the last survey)
    keeps its new level."""
    series, period = list(spec.series), spec.period
    records = []
    published_periods = set(old[period])
    added = new[~new[period].isin(published_periods)]
    if len(added):
        recent = old[old[period].isin(sorted(published_periods)[-RECENT_PERIODS:])]
        latest = old[old[period] == max(published_periods)]
        for column in spec.values:
            before = recent.groupby(series)[column].apply(lambda v: v.abs().median()).rename("published")
            last = latest.groupby(series)[column].apply(lambda v: v.abs().median()).rename("last")
            after = added.groupby(series)[column].apply(lambda v: v.abs().median()).rename("new")
            joined = pd.concat([before, after], axis=1, join="inner").dropna()
            joined = joined.join(last, how="left").reset_index()
            records.append(joined.assign(column=column))
    columns = ["column", *series, "published", "last", "new"]
    table = pd.concat(records, ignore_index=True) if records else pd.DataFrame(columns=columns)
    small = SCALE_FLOOR_MULTIPLE * max(spec.absolute, 1e-9)
    larger = table[["published", "new"]].max(axis=1)

    def within(reference: pd.Series) -> pd.Series:
        ratio = table["new"] / reference.where(reference != 0)
        return ratio.between(1 / SCALE, SCALE)

    table["same_scale"] = (larger < small) | within(table["published"]) | within(table["last"])
    return Check(
        "scale_vs_published",
        table[[*columns, "same_scale"]],
        [gxe.ExpectColumnValuesToBeInSet(column="same_scale", value_set=[True])],
        index_columns=columns,
    )


def record_forced(published: Path, reason: str, failures: list[str]) -> Path:
    """The reason a vintage was published despite its comparison, kept beside it."""
    note = published.with_suffix(".forced.json")
    note.write_text(
        json.dumps(
            {"reason": reason, "recorded_at": pd.Timestamp.now(tz="UTC").isoformat(), "comparison": failures}, indent=2
        )
    )
    return note


# Above this many rows (the votes at 10x and 50x the real roll calls), the comparison is
# computed by DuckDB from the two Parquet files; the tables handed to the gate hold only
# the rows that fail, so that neither file is held in memory as pandas.
IN_DATABASE_ROWS = 2_000_000


def in_database(source: Source, rows: int) -> bool:
    """Whether this file's comparison runs in DuckDB (large, and a spec it computes)."""
    spec = source.compare
    return spec is not None and rows > IN_DATABASE_ROWS and not (spec.levels or spec.rolling_window or spec.snapshot)


def checks_in_database(source: Source, new_path: Path, published_path: Path, work_dir: Path) -> list[Check]:
    """The same series, periods and revisions checks as ``checks``, computed by DuckDB over
    the two files: the series table whole (one row per series), the periods and revisions
    tables with only their failing rows (a passing file hands the gate empty tables). Their
    failures read exactly as ``checks``' do."""
    import duckdb

    spec = source.compare
    if spec is None or spec.levels or spec.rolling_window or spec.snapshot:
        raise ValueError(f"{source.name}: its comparison is computed in pandas only ({spec})")
    series, key = list(spec.series), [*spec.series, spec.period]
    work_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(config={"memory_limit": "2GB", "temp_directory": str(work_dir), "threads": 2}) as con:
        con.execute(f"create view old as select * from read_parquet('{_sql_path(published_path)}')")  # noqa: S608
        con.execute(f"create view new as select * from read_parquet('{_sql_path(new_path)}')")  # noqa: S608
        old_types, new_types = _types(con, "old"), _types(con, "new")
        if any(c not in old_types or c not in new_types for c in (*key, *spec.values)):
            return []  # the suite's schema expectation names a missing column

        def keyed(table: str) -> str:  # key columns in one type whichever file they came from
            columns = [f'"{c}"' if old_types[c] == new_types[c] else f'cast("{c}" as varchar) as "{c}"' for c in key]
            # The suite has proved each file's key unique (the published one when it was gated).
            values = [f'"{c}"' for c in spec.values] or ["null as no_values"]
            return f"select {', '.join([*columns, *values])} from {table}"  # noqa: S608 (own column names)

        # Each period's fingerprint in each file: its rows and the sum of their hashes (key
        # and values). Only the published periods whose fingerprint differs in the new file
        # can hold a failing row; the others hold the same rows, so the row-by-row
        # comparison below reads only the periods that changed.
        period, compared = f'"{spec.period}"', ", ".join(f'"{c}"' for c in (*key, *spec.values))
        con.execute(f"create view o_all as {keyed('old')}")
        con.execute(f"create view n_all as {keyed('new')}")
        fingerprint = (
            f"select {period}, count(*) as rows, sum(hash({compared})) as fingerprint from {{}} group by {period}"  # noqa: S608
        )
        con.execute(f"create temp table o_periods as {fingerprint.format('o_all')}")
        con.execute(f"create temp table n_periods as {fingerprint.format('n_all')}")
        con.execute(
            f"create temp table changed as select {period} from o_periods o left join n_periods n using ({period}) "  # noqa: S608
            "where n.rows is null or n.rows <> o.rows or n.fingerprint <> o.fingerprint"
        )
        changed, published = con.execute(
            "select (select count(*) from changed), (select count(*) from o_periods)"
        ).fetchone()
        log.info("%s: %d of %d published periods differ in the new file", source.name, changed, published)
        # (A blank period never joins its like, here as in the row-by-row comparison.)
        within_changed = f"{period} in (select {period} from changed) or {period} is null"  # noqa: S608
        con.execute(f"create view o as select * from o_all where {within_changed}")  # noqa: S608
        con.execute(f"create view n as select * from n_all where {within_changed}")  # noqa: S608
        series_cols = ", ".join(f'"{c}"' for c in series)
        series_table = con.execute(
            f"select {series_cols}, bool_or(in_new) as in_new_file from ("  # noqa: S608 (own column names)
            f"select distinct {series_cols}, false as in_new from o_all union all "
            f"select distinct {series_cols}, true as in_new from n_all) "
            f"group by all having bool_or(not in_new) order by all"
        ).df()
        # One pass: the published rows gone from the new file, or whose value went or moved.
        numeric = {c: _numeric(old_types[c]) and _numeric(new_types[c]) for c in spec.values}
        allowed = {c: f'greatest({spec.relative} * abs(o."{c}"), {spec.absolute})' for c in spec.values}
        moved = {
            c: f'abs(n."{c}" - o."{c}") > {allowed[c]} + 1e-9'
            if numeric[c]
            else f'cast(o."{c}" as varchar) <> cast(n."{c}" as varchar)'
            for c in spec.values
        }
        failing = " or ".join(
            ["n.present is null"] + [f'(o."{c}" is not null and (n."{c}" is null or {moved[c]}))' for c in spec.values]
        )
        selected = ", ".join(
            [f'o."{c}"' for c in key]
            + ["n.present is not null as present"]
            + [f'o."{c}" as "published:{c}", n."{c}" as "new:{c}"' for c in spec.values]
            + [
                f'abs(n."{c}" - o."{c}") as "change:{c}", {allowed[c]} as "allowed:{c}"'
                for c in spec.values
                if numeric[c]
            ]
        )
        on = " and ".join(f'o."{c}" = n."{c}"' for c in key)
        rows = con.execute(
            f"select {selected} from o left join (select *, true as present from n) n on {on} "  # noqa: S608
            f"where {failing} order by {', '.join(f'o.{chr(34)}{c}{chr(34)}' for c in key)}"
        ).df()
    surviving = rows.merge(series_table.loc[series_table["in_new_file"], series], on=series)
    missing = []
    for column in [None, *spec.values]:
        gone = ~surviving["present"]
        if column is not None:
            gone = surviving[f"published:{column}"].notna() & (gone | surviving[f"new:{column}"].isna())
        missing.append(surviving.loc[gone, key].assign(in_new_file=False, column=column or ""))
    revised = []
    for column in spec.values:
        before, after = rows[f"published:{column}"], rows[f"new:{column}"]
        held = rows["present"] & before.notna() & after.notna()
        table = rows.loc[held, key].assign(published=before[held], new=after[held])
        if numeric[column]:
            table = table.assign(change=rows.loc[held, f"change:{column}"], allowed=rows.loc[held, f"allowed:{column}"])
        revised.append(table.assign(within=False, column=column))
    series_check = Check(
        "series_vs_published",
        series_table,
        [gxe.ExpectColumnValuesToBeInSet(column="in_new_file", value_set=[True])],
        index_columns=series,
    )
    periods_check = Check(
        "periods_vs_published",
        pd.concat(missing, ignore_index=True),
        [gxe.ExpectColumnValuesToBeInSet(column="in_new_file", value_set=[True])],
        index_columns=[*key, "column"],
    )
    checks = [series_check, periods_check]
    if spec.values:
        checks.append(
            Check(
                "revisions_vs_published",
                pd.concat(revised, ignore_index=True),
                [gxe.ExpectColumnValuesToBeInSet(column="within", value_set=[True])],
                index_columns=["column", *key, "published", "new"],
            )
        )
    return checks


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _types(con, view: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"describe {view}").fetchall()}


def _numeric(duckdb_type: str) -> bool:
    return duckdb_type.split("(")[0] in {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
        "FLOAT", "DOUBLE", "DECIMAL",
    }  # fmt: skip
