"""Parser for the TIC "Major Foreign Holders of Treasury Securities" history file.

``mfhhis01.txt`` is a tab-separated report of stacked yearly blocks, newest first.
Each block is: optional series-label rows, a month row (``\\tDec\\tNov...``), a
``Country\\t2025...`` row, a ``------`` rule, the holder rows, ``All Other``,
``Grand Total`` and an ``Of which:`` section. At series breaks a month appears twice
in one block (June in 2002-2011, March in 2000): the left column is the new series,
the right one the old series shown for comparison only. Columns are therefore keyed
by position and series, never by (year, month) alone.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from treasury_warehouse.errors import ParseError

SOURCE = "tic_mfh"

MONTHS = {
    m: i
    for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)
}
UNIT_MARKER = "in billions of dollars"
# Footnote markers such as "2/" or "17/" after a name.
FOOTNOTE_RE = re.compile(r"\s*(\d{1,2})/\s*")
RELEASE_STAMP_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
ROMAN_RE = re.compile(r"^[IVXL]+$")
BELOW_THRESHOLD = "*"  # "Less than $50 million."
NOT_AVAILABLE = "n.a."  # Luxembourg before the June 2002 split from Belgium.

ALL_OTHER = "All Other"
GRAND_TOTAL = "Grand Total"
OF_WHICH = {"For. Official", "Treasury Bills", "T-Bonds & Notes"}
REGIONAL_GROUPS = {"Oil Exporters", "Carib Bnkng Ctrs", "Belgium-Luxembourg"}

COLUMNS = [
    "country",
    "row_kind",
    "is_country",
    "period_month",
    "series",
    "is_comparison_only",
    "holdings_usd_bn",
    "is_below_threshold",
    "footnotes",
    "source_line",
    "vintage",
]


@dataclass
class _Block:
    month_line: int
    months: list[int] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    series_labels: dict[int, str] = field(default_factory=dict)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return next(csv.reader([line], delimiter="\t"), [])


def clean_name(raw: str) -> tuple[str, str]:
    """Return (name, footnote markers) with quotes, markers and padding removed."""
    text = raw.strip().strip('"').strip()
    markers = FOOTNOTE_RE.findall(text)
    name = FOOTNOTE_RE.sub(" ", text).strip()
    return re.sub(r"\s+", " ", name), ",".join(markers)


def row_kind(name: str) -> str:
    if name == GRAND_TOTAL:
        return "grand_total"
    if name == ALL_OTHER:
        return "all_other"
    if name in OF_WHICH:
        return "of_which"
    if name in REGIONAL_GROUPS:
        return "regional_group"
    return "country"


def _is_month_row(cells: list[str]) -> bool:
    values = [c.strip() for c in cells[1:] if c.strip()]
    return not cells[0].strip() and len(values) >= 1 and all(v in MONTHS for v in values)


def _fail(file: str, line: int, rule: str, detail: str) -> ParseError:
    return ParseError(SOURCE, f"{file} line {line}" if line else file, rule, detail)


def _parse_value(text: str, file: str, line: int) -> tuple[float | None, bool] | None:
    """(value, below threshold), or None where the publisher has no figure."""
    text = text.strip()
    if text == NOT_AVAILABLE:
        return None
    if text == BELOW_THRESHOLD:
        return None, True
    try:
        return float(text.replace(",", "")), False
    except ValueError:
        raise _fail(file, line, "numeric_cell", f"expected a number, '*' or 'n.a.', found {text!r}") from None


def _series_labels(lines: list[list[str]], month_idx: int) -> dict[int, str]:
    """Series numerals by column, read from the label rows just above the month row."""
    labels: dict[int, str] = {}
    for back in (1, 2):
        if month_idx - back < 0:
            break
        cells = lines[month_idx - back]
        for col, cell in enumerate(cells[1:], start=1):
            token = cell.strip()
            if ROMAN_RE.match(token):
                labels[col] = token
    return labels


def _release_date(lines: list[list[str]], file: str) -> date:
    for cells in lines:
        match = RELEASE_STAMP_RE.match(cells[0].strip()) if cells else None
        if match:
            month, day, year = (int(g) for g in match.groups())
            return date(2000 + year, month, day)
    raise _fail(
        file, 0, "release_stamp", "no release stamp (m/d/yy) in the footer: the file is truncated or the layout changed"
    )


def parse(content: bytes, file: str = "mfhhis01.txt") -> pd.DataFrame:
    """Parse the bytes of an mfhhis01.txt release into a tidy long table."""
    # A byte-order mark is how some tools re-save the same ASCII text; it is not data.
    body = content.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        offset = exc.start + len(content) - len(body)
        raise _fail(file, 0, "encoding", f"expected ASCII text, byte {offset} is not") from None
    if "<html" in text[:2048].lower():
        raise _fail(file, 1, "not_html", "the file is an HTML page, not the TIC text table")
    raw_lines = text.splitlines()
    head = " ".join(raw_lines[:6]).lower()
    if "major foreign holders of treasury securities" not in head:
        raise _fail(file, 1, "title", "title 'MAJOR FOREIGN HOLDERS OF TREASURY SECURITIES' not in the first lines")
    if UNIT_MARKER not in head:
        raise _fail(file, 2, "units", f"expected the unit line '({UNIT_MARKER})'; the unit may have changed")

    lines = [_cells(line) for line in raw_lines]
    vintage = _release_date(lines, file)
    blocks = _read_blocks(lines, file)
    if not blocks:
        raise _fail(file, 0, "blocks", "no yearly block (month row, 'Country' row, rule) was found")
    return _to_frame(blocks, vintage, file)


def _read_blocks(lines: list[list[str]], file: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    in_body = False
    for idx, cells in enumerate(lines):
        lineno = idx + 1
        if not cells:
            continue
        first = cells[0].strip()
        if _is_month_row(cells):
            current = _Block(month_line=lineno, series_labels=_series_labels(lines, idx))
            width = max(col for col, c in enumerate(cells) if c.strip())
            labels = [c.strip() for c in cells[1 : width + 1]]
            if not all(labels):
                raise _fail(file, lineno, "month_row", f"blank cell among the month columns: {labels}")
            current.months = [MONTHS[label] for label in labels]
            blocks.append(current)
            in_body = False
            continue
        if current is None:
            continue
        if first == "Country" and not current.years:
            years = [c.strip() for c in cells[1 : len(current.months) + 1]]
            if len(years) != len(current.months) or not all(y.isdigit() for y in years):
                raise _fail(
                    file, lineno, "year_row", f"expected {len(current.months)} years under the months, found {years}"
                )
            current.years = [int(y) for y in years]
            continue
        if first == "" and cells[1:2] and cells[1].strip().startswith("---"):
            if not current.years:
                raise _fail(file, lineno, "year_row", "rule line before the 'Country' row")
            in_body = True
            continue
        if not in_body or not first or first == "Of which:":
            continue
        if first.startswith("Department of the Treasury"):
            in_body = False
            current = None
            continue
        values = cells[1 : len(current.months) + 1]
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(current.months) or not all(v.strip() for v in values):
            raise _fail(
                file,
                lineno,
                "row_width",
                f"row {first!r} has {sum(bool(v.strip()) for v in values)} values, expected {len(current.months)}",
            )
        current.rows.append((lineno, [cells[0], *values]))
    for block in blocks:
        if not block.years:
            raise _fail(file, block.month_line, "year_row", "month row without a 'Country' year row below it")
        if not any(_clean_kind(r[1][0]) == "grand_total" for r in block.rows):
            raise _fail(
                file, block.month_line, "grand_total", f"block {block.years[0]} has no 'Grand Total' row (truncated?)"
            )
    return blocks


def _clean_kind(raw: str) -> str:
    return row_kind(clean_name(raw)[0])


def _column_series(blocks: list[_Block]) -> list[list[str]]:
    """Series per column for each block, carried forward across unlabelled blocks.

    Within a block an unlabelled column takes the label of the nearest labelled column
    to its left (older months sit to the right); columns left of every label take the
    first label. A block with no labels continues the series of the newest column of
    the block before it in time.
    """
    result: list[list[str]] = [[] for _ in blocks]
    carried = "unlabelled"
    for b_idx in range(len(blocks) - 1, -1, -1):  # oldest block first
        block = blocks[b_idx]
        n = len(block.months)
        if not block.series_labels:
            result[b_idx] = [carried] * n
            continue
        labelled = sorted(block.series_labels)
        series = []
        for col in range(1, n + 1):
            left = [c for c in labelled if c <= col]
            series.append(block.series_labels[left[-1] if left else labelled[0]])
        result[b_idx] = series
        carried = series[0]
    return result


def _to_frame(blocks: list[_Block], vintage: date, file: str) -> pd.DataFrame:
    records: list[tuple] = []
    series_by_block = _column_series(blocks)
    for block, series in zip(blocks, series_by_block, strict=True):
        periods = [date(y, m, 1) for y, m in zip(block.years, block.months, strict=True)]
        seen: set[date] = set()
        comparison = []
        for period in periods:
            comparison.append(period in seen)
            seen.add(period)
        for lineno, cells in block.rows:
            name, markers = clean_name(cells[0])
            kind = row_kind(name)
            for col, period in enumerate(periods):
                parsed = _parse_value(cells[col + 1], file, lineno)
                if parsed is None:
                    continue
                value, below = parsed
                records.append(
                    (
                        name,
                        kind,
                        kind == "country",
                        period,
                        series[col],
                        comparison[col],
                        value,
                        below,
                        markers,
                        lineno,
                        vintage,
                    )
                )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["period_month"] = pd.to_datetime(frame["period_month"])
    frame["vintage"] = pd.to_datetime(frame["vintage"])
    frame["holdings_usd_bn"] = frame["holdings_usd_bn"].astype("float64")
    return frame
