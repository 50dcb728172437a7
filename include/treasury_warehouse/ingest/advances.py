"""What a published vintage brings against the one it follows: the periods it adds and the
values it revises, kept beside it (``<vintage>.changes.json``) for the build's digest.

The comparison is the source's own (``Source.compare``): a series is what its ``series``
columns name, a period its ``period`` column, and a value any of its ``values`` columns. A
value is revised when both vintages hold it and it moved (a number by more than a
millionth, a text at all). DuckDB reads the two Parquet files, so the votes at fifty times
their size cost no pandas copy.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from treasury_warehouse.ingest.sources import Source

log = logging.getLogger(__name__)

SUFFIX = ".changes.json"
SHOWN_PERIODS = 6  # the periods named in the digest; the count is always complete


def sidecar(published: Path) -> Path:
    return published.with_suffix(SUFFIX)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _label(value: object) -> str:
    text = str(value)
    return text[:10] if len(text) >= 19 and text[10:19] == " 00:00:00" else text


def compare(source: Source, new: Path, previous: Path | None) -> dict:
    """The periods ``new`` adds to ``previous`` and the values it revises (all of them
    counted, the largest named); with no previous vintage, the periods it covers."""
    import duckdb

    from treasury_warehouse.ingest.vintages import IN_DATABASE_ROWS  # (imports Great Expectations: here, not at import)

    spec = source.compare
    facts: dict = {"source": source.name, "file": new.name, "compared_with": previous.name if previous else None}
    with duckdb.connect(config={"memory_limit": "1GB", "threads": 2}) as con:
        con.execute(f"create view n as select * from read_parquet('{_sql_path(new)}')")  # noqa: S608
        facts["rows"] = con.execute("select count(*) from n").fetchone()[0]
        # Periods as the source names them (a vote's date, not its roll call), else as compared.
        period = source.period_column or (spec.period if spec is not None else None)
        columns = {row[0]: row[1] for row in con.execute("describe n").fetchall()}
        if period is None or period not in columns:
            return facts
        if previous is None:
            first, last, count = con.execute(
                f'select min("{period}"), max("{period}"), count(distinct "{period}") from n'  # noqa: S608
            ).fetchone()
            facts["periods"] = {"count": count, "first": _label(first), "last": _label(last)}
            return facts
        con.execute(f"create view o as select * from read_parquet('{_sql_path(previous)}')")  # noqa: S608
        old_columns = {row[0]: row[1] for row in con.execute("describe o").fetchall()}
        cast = (
            f'"{period}"'
            if old_columns.get(period) == columns[period]
            else f'cast("{period}" as varchar) as "{period}"'
        )
        added = [
            _label(row[0])
            for row in con.execute(
                # Each side's distinct periods first: the set difference then matches
                # hundreds of thousands of roll calls, not tens of millions of votes.
                f"select * from (select distinct {cast} from n) except select * from (select distinct {cast} from o)"  # noqa: S608
                " order by 1"
            ).fetchall()
        ]
        facts["periods_added"] = {"count": len(added), "shown": added[-SHOWN_PERIODS:], "column": period}
        if spec is None or not spec.values:
            return facts
        if facts["rows"] > IN_DATABASE_ROWS and not spec.levels:
            # Votes at scale: the gate compared every value (a cast vote may not change
            # unforced); matching tens of millions of rows again would double the night's cost.
            facts["values_revised"] = {"count": None, "why": "not counted: the gate compares every vote"}
            return facts
        key = [c for c in (*spec.series, spec.period) if c in columns and c in old_columns]
        values = [c for c in spec.values if c in columns and c in old_columns]
        if len(key) < len(spec.series) + 1 or not values:
            return facts
        on = " and ".join(f'cast(o."{c}" as varchar) = cast(n."{c}" as varchar)' for c in key)
        numeric = {c: _numeric(columns[c]) and _numeric(old_columns[c]) for c in values}
        keys = ", ".join(f'cast(o."{k}" as varchar) as "{k}"' for k in key)
        moves = []
        for c in values:
            if numeric[c]:
                change = f'cast(n."{c}" as double) - cast(o."{c}" as double)'
                moves.append(
                    f"select '{c}' as value_column, {keys},"  # noqa: S608 (the registry's column names)
                    f' cast(o."{c}" as double) as previous_value, cast(n."{c}" as double) as new_value,'
                    f" {change} as change from o join n on {on}"
                    f' where o."{c}" is not null and n."{c}" is not null and abs({change}) > 1e-6'
                )
            else:
                moves.append(
                    f"select '{c}' as value_column, {keys},"  # noqa: S608 (the registry's column names)
                    " null::double as previous_value, null::double as new_value, null::double as change"
                    f" from o join n on {on}"
                    f' where cast(o."{c}" as varchar) <> cast(n."{c}" as varchar)'
                )
        con.execute("create temp table moved as " + " union all ".join(moves))
        count = con.execute("select count(*) from moved").fetchone()[0]
        revised: dict = {"count": count}
        if count:
            largest = con.execute("select * from moved order by abs(change) desc nulls last, 1, 2 limit 1").fetchone()
            names = ["value_column", *key, "previous_value", "new_value", "change"]
            row = dict(zip(names, largest, strict=True))
            revised["largest"] = {
                "column": row["value_column"],
                "series": " / ".join(str(row[k]) for k in spec.series if k in row),
                "period": _label(row[spec.period]),
                "previous_value": row["previous_value"],
                "new_value": row["new_value"],
                "change": row["change"],
            }
        facts["values_revised"] = revised
    return facts


def _numeric(duckdb_type: str) -> bool:
    return duckdb_type.split("(")[0] in {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
    }  # fmt: skip


def record(source: Source, published: Path, previous: Path | None) -> Path | None:
    """Write what ``published`` brings beside it; a comparison that fails is logged, not
    raised: the vintage is published and gated already, only its digest line is lost."""
    try:
        facts = compare(source, published, previous)
    except Exception as exc:  # the digest must never undo a publication
        log.error("%s: what %s brings was not recorded: %s: %s", source.name, published.name, type(exc).__name__, exc)
        return None
    path = sidecar(published)
    path.write_text(json.dumps(facts, indent=1, default=str))
    return path


def read(published: Path) -> dict | None:
    path = sidecar(published)
    return json.loads(path.read_text()) if path.exists() else None
