"""Expectation building blocks shared by the source suites."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.quality import Check

DATETIME_TYPES = [f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")]
FLOAT_TYPES = ["float64", "Float64"]


def table_shape(columns: list[str], key: list[str]) -> list:
    """Exact columns, at least one row, and a non-null, unique key."""
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in key],
        gxe.ExpectCompoundColumnsToBeUnique(column_list=key)
        if len(key) > 1
        else gxe.ExpectColumnValuesToBeUnique(column=key[0]),
    ]


def has_columns(frame: pd.DataFrame, columns: list[str]) -> bool:
    return set(columns) <= set(frame.columns)


def period_gaps(periods: pd.Series, months_per_step: int = 1) -> pd.DataFrame:
    """One row per distinct period with the months since the previous one."""
    distinct = pd.to_datetime(pd.Series(sorted(periods.dropna().unique()), dtype=object))
    table = pd.DataFrame({"period": distinct})
    index = distinct.dt.year * 12 + distinct.dt.month
    table["months_since_previous"] = index.diff().fillna(months_per_step).astype("int64")
    return table


def no_gaps(months_per_step: int = 1) -> list:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="period"),
        gxe.ExpectColumnValuesToBeBetween(
            column="months_since_previous", min_value=months_per_step, max_value=months_per_step
        ),
    ]


def anchors(frame: pd.DataFrame, column: str, values: list) -> Check:
    """Rows per value that every release must contain (major holders, totals, the US).

    As a derived table, a failure lists each missing value as a row, like any other."""
    present = frame[column].value_counts() if column in frame.columns else pd.Series(dtype="int64")
    table = pd.DataFrame({"anchor": [str(v) for v in values], "rows": [int(present.get(v, 0)) for v in values]})
    return Check("anchors", table, [gxe.ExpectColumnValuesToBeBetween(column="rows", min_value=1)], ["anchor"])


def listed(frame: pd.DataFrame, columns: list[str], keys: set[tuple]) -> pd.Series:
    """Whether each row's key is in a list of known publisher errors (tolerated by key,
    so that a new error of the same kind, anywhere else, still fails)."""
    if not has_columns(frame, columns):
        return pd.Series(False, index=frame.index)
    values = zip(*(frame[c].map(_key_part) for c in columns), strict=True)
    return pd.Series([tuple(v) in keys for v in values], index=frame.index, dtype=bool)


def _key_part(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value
