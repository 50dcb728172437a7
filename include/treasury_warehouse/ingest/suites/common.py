"""Expectation building blocks shared by the source suites."""

from __future__ import annotations

import great_expectations.expectations as gxe
import numpy as np
import pandas as pd

from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.sources import SOURCES

DATETIME_TYPES = [f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")]
FLOAT_TYPES = ["float64", "Float64"]


def table_shape(columns: list[str], key: list[str], unique: bool = True) -> list:
    """Exact columns, at least one row, and a non-null, unique key (without ``unique``, the
    caller checks the key with ``duplicate_keys``)."""
    uniqueness = (
        gxe.ExpectCompoundColumnsToBeUnique(column_list=key)
        if len(key) > 1
        else gxe.ExpectColumnValuesToBeUnique(column=key[0])
    )
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in key],
        *([uniqueness] if unique else []),
    ]


def bounds(source: str, lower_unless: dict[str, dict] | None = None) -> list:
    """Every amount column of ``source`` within the range its registry entry declares in its
    unit (``sources.Measure``). ``lower_unless`` maps a column to the keyword arguments that
    spare some rows the lower bound (negatives the publisher printed, listed by key)."""
    expectations = []
    for measure in SOURCES[source].measures:
        lower = (lower_unless or {}).get(measure.column)
        if lower is None:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=measure.column, min_value=measure.minimum, max_value=measure.maximum
                )
            )
            continue
        expectations += [
            gxe.ExpectColumnValuesToBeBetween(column=measure.column, min_value=measure.minimum, **lower),
            gxe.ExpectColumnValuesToBeBetween(column=measure.column, max_value=measure.maximum),
        ]
    return expectations


def duplicate_keys(frame: pd.DataFrame, key: list[str]) -> Check:
    """The key's uniqueness for tables of tens of millions of rows (the votes): one row per
    key that occurs more than once, with its count, which must be 1.

    Great Expectations' compound uniqueness on such a table holds more than a copy of it
    (1.6 GB at 50x the real votes); here each column becomes integer codes, the codes one
    int64 per row. When the combined codes span few enough values, a table of one flag per
    possible key (no larger than the codes themselves) shows whether any repeats, in one
    pass; only then, or when the span is too wide for it, a sort finds the repeats (0.4 GB,
    three seconds at 50x)."""
    columns = [c for c in key if c in frame.columns]
    combined = np.zeros(len(frame), dtype=np.int64)
    uniques, span = [], 1
    for column in columns:
        codes, values = _codes(frame[column])
        span *= max(len(values), 1)
        if span > np.iinfo(np.int64).max:
            raise OverflowError(f"the key {columns} has too many distinct values to combine")
        combined *= max(len(values), 1)
        combined += codes
        uniques.append(values)
    if span <= 8 * len(frame) and _all_distinct(combined, span):
        return _duplicates_check(columns, pd.DataFrame({column: [] for column in columns}).assign(rows=[]))
    ordered = np.sort(combined)
    repeated, counts = np.unique(ordered[1:][ordered[1:] == ordered[:-1]], return_counts=True)
    table, remainder = {}, repeated
    for column, values in reversed(list(zip(columns, uniques, strict=True))):
        remainder, codes = np.divmod(remainder, max(len(values), 1))
        table[column] = np.asarray(values, dtype=object)[codes]
    duplicates = pd.DataFrame({column: table[column] for column in columns})
    duplicates["rows"] = (counts + 1).astype("int64")
    return _duplicates_check(columns, duplicates)


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the values they stand for, a blank a value of its own; a
    categorical's own codes (factorising one again costs a second at 50x the votes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = np.asarray([None, *column.cat.categories], dtype=object)
        return column.array.codes.astype(np.int64) + 1, values
    return pd.factorize(column, use_na_sentinel=False)


def _all_distinct(codes: np.ndarray, span: int) -> bool:
    seen = np.zeros(span, dtype=bool)
    seen[codes] = True
    return int(np.count_nonzero(seen)) == len(codes)


def _duplicates_check(columns: list[str], duplicates: pd.DataFrame) -> Check:
    return Check(
        "duplicate_keys",
        duplicates.astype({"rows": "int64"}),
        [gxe.ExpectColumnValuesToBeBetween(column="rows", max_value=1)],
        index_columns=columns,
    )


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
