"""The mutation suite: corrupt a source's file in every way a publisher (or a network) can,
and check the gate's verdict on each.

Each mutation is applied to one good file of a source, as the next vintage after that
file was published. Byte mutations change the file (an HTML page, truncation at each
kind of boundary, another encoding); the parser reads the result. Data mutations change
what the parser read (rows, periods or a series gone, duplicates, values shifted, a unit
changed for all series or one, a sign flipped, a small genuine revision), as if the file
had said so, which reaches every format, binary ones included. The verdict is where the
file stopped: the parser, the source's expectation suite, or the comparison with the
published vintage; or that it was accepted.

Expected: every corruption is rejected. Accepted on purpose: a small revision, the same
data re-issued with a byte-order mark and CRLF line ends, and a truncation that lost no
data (the parsed table is identical: only footnote text was cut).

    python -m tools.mutations [--real ../shared/sources]   # the README table
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from treasury_warehouse.config import PROJECT_ROOT
from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest import vintages
from treasury_warehouse.ingest.quality import run_gate
from treasury_warehouse.ingest.sources import SOURCES, Source

FIXTURE_MIRROR = PROJECT_ROOT / "tests" / "fixtures" / "mirror"
TEXT_SUFFIXES = {".txt", ".csv", ".json"}
VINTAGE = pd.Timestamp("2026-01-01")
HTML = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>Try later</body></html>"

Result = bytes | pd.DataFrame | None  # None: the mutation does not apply to this source


@dataclass(frozen=True)
class Mutation:
    name: str
    description: str
    apply: Callable[[Source, bytes, pd.DataFrame], Result]
    accepted_because: str = ""  # empty: the mutation must be rejected

    @property
    def expected(self) -> str:
        return "accepted" if self.accepted_because else "rejected"


@dataclass(frozen=True)
class Verdict:
    source: str
    mutation: str
    outcome: str  # rejected / accepted / n/a
    stage: str  # parse / gate / comparison, or why it was accepted or not applicable
    detail: str

    @property
    def cell(self) -> str:
        """Where it was rejected (parse, gate, compare), or accepted, or - (not applicable)."""
        if self.outcome == "rejected":
            return {"comparison": "compare"}.get(self.stage, self.stage)
        if self.outcome == "accepted":
            return "accepted, same data" if self.stage == "the parsed data are identical" else "accepted"
        return "-"


def _is_text(source: Source) -> bool:
    return Path(source.file_name).suffix.lower() in TEXT_SUFFIXES


def _text_only(change: Callable[[bytes], bytes]) -> Callable[[Source, bytes, pd.DataFrame], Result]:
    return lambda source, content, frame: change(content) if _is_text(source) else None


def _lines(content: bytes) -> list[bytes]:
    return content.splitlines(keepends=True)


def _cut_at_line(content: bytes) -> bytes:
    lines = _lines(content)
    return b"".join(lines[: len(lines) // 2])


def _cut_mid_line(content: bytes) -> bytes:
    lines = _lines(content)
    middle = lines[len(lines) // 2]
    return b"".join(lines[: len(lines) // 2]) + middle[: max(1, len(middle.rstrip()) // 2)]


def _cut_in_last_number(content: bytes) -> bytes:
    """Cut inside the file's last number of two or more digits (1994-01-01,661.1 -> ,66)."""
    text = content.rstrip()
    end = len(text)
    while end and not text[end - 1 : end].isdigit():
        end -= 1
    start = end
    while start and (text[start - 1 : start].isdigit() or text[start - 1 : start] in b".,"):
        start -= 1
    return text[: start + max(1, (end - start) // 2)]


def _drop_last_line(content: bytes) -> bytes:
    lines = _lines(content)
    last = max(i for i, line in enumerate(lines) if line.strip())
    return b"".join(lines[:last])


def _bom_crlf(content: bytes) -> bytes:
    body = content.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return b"\xef\xbb\xbf" + body


def _utf16(content: bytes) -> bytes:
    return content.decode("utf-8-sig", errors="replace").encode("utf-16")


# --- data mutations: what the parser read, changed -------------------------------------


def _numeric_values(source: Source, frame: pd.DataFrame) -> list[str]:
    spec = source.compare
    if spec is None:
        return []
    return [c for c in spec.values if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c])]


def _largest_series(source: Source, frame: pd.DataFrame) -> pd.Series:
    """Rows of the series with the largest values (the first series if none are numeric)."""
    spec = source.compare
    assert spec is not None
    series = list(spec.series)
    if not series:  # one series per file (Debt to the Penny): the whole table
        return pd.Series(True, index=frame.index)
    values = _numeric_values(source, frame)
    if values:
        sizes = frame[values[0]].abs().groupby([frame[c] for c in series]).median()
        chosen = sizes.idxmax()
    else:
        chosen = tuple(frame[series].iloc[0])
    chosen = chosen if isinstance(chosen, tuple) else (chosen,)
    mask = pd.Series(True, index=frame.index)
    for column, value in zip(series, chosen, strict=True):
        mask &= frame[column] == value
    return mask


def _valued_rows(source: Source, frame: pd.DataFrame, column: str) -> pd.Index:
    """The largest series' rows that hold a value in ``column``, oldest period first."""
    assert source.compare is not None
    rows = frame[_largest_series(source, frame) & frame[column].notna()]
    return rows.sort_values(source.compare.period).index


def _periods(source: Source, frame: pd.DataFrame) -> list:
    assert source.compare is not None
    return sorted(frame[source.compare.period].dropna().unique())


def _duplicate_rows(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    return pd.concat([frame, frame.head(3)], ignore_index=True)


def _row_removed(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    if source.compare is None:
        return None
    values = _numeric_values(source, frame)
    chosen = _valued_rows(source, frame, values[0]) if values else frame.index[_largest_series(source, frame)]
    rows = frame.loc[chosen]
    periods = sorted(rows[source.compare.period].dropna().unique())
    middle = periods[len(periods) // 2]
    return frame.drop(rows.index[rows[source.compare.period] == middle])


def _series_removed(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    if source.compare is None:
        return None
    return frame[~_largest_series(source, frame)]


def _last_period_removed(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    if source.compare is None:
        return None
    return frame[frame[source.compare.period] != _periods(source, frame)[-1]]


def _values_shifted(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    """A few rows' values moved one column to the right (several value columns), or one
    period later within the largest series (one value column)."""
    values = _numeric_values(source, frame)
    if not values:
        return None
    out = frame.copy()
    rows = _valued_rows(source, out, values[0])
    if len(values) > 1:
        rows = rows[-3:]
        out.loc[rows, values] = out.loc[rows, values].shift(1, axis=1).to_numpy()
        return out
    rows = rows[-4:]
    out.loc[rows, values[0]] = out.loc[rows, values[0]].shift(1).to_numpy()
    return out.drop(rows[:1])


def _scaled(factor: float, one_series: bool = False) -> Callable[[Source, bytes, pd.DataFrame], Result]:
    def change(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
        values = _numeric_values(source, frame)
        if not values:
            return None
        out = frame.copy()
        rows = _largest_series(source, out) if one_series else pd.Series(True, index=out.index)
        for column in values:
            out.loc[rows, column] = out.loc[rows, column] * factor
        return out

    return change


def _absurd_value(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    values = _numeric_values(source, frame)
    if not values:
        return None
    out = frame.copy()
    row = _valued_rows(source, out, values[0])[-1]
    out.loc[row, values[0]] = out.loc[row, values[0]] * 1_000_000 if out.loc[row, values[0]] else 1e15
    return out


def _small_revision(source: Source, content: bytes, frame: pd.DataFrame) -> Result:
    """The latest period revised by 0.1% (a holder's figure corrected in the next release)."""
    values = _numeric_values(source, frame)
    if not values:
        return None
    out = frame.copy()
    latest = out[source.compare.period] == _periods(source, out)[-1]  # type: ignore[union-attr]
    for column in values:
        out.loc[latest, column] = np.round(out.loc[latest, column] * 1.001, 6)
    return out


CATALOGUE = [
    Mutation("html_page", "an HTML error page instead of the file", lambda s, c, f: HTML),
    Mutation("empty", "an empty file", lambda s, c, f: b""),
    Mutation("truncated_half", "cut at half its bytes", lambda s, c, f: c[: len(c) // 2]),
    Mutation("truncated_at_line", "text cut at a line boundary half-way", _text_only(_cut_at_line)),
    Mutation("truncated_mid_line", "text cut inside a line half-way", _text_only(_cut_mid_line)),
    Mutation("truncated_in_last_number", "text cut inside its last number", _text_only(_cut_in_last_number)),
    Mutation("last_line_removed", "text without its last line", _text_only(_drop_last_line)),
    Mutation("utf16", "text re-encoded as UTF-16", _text_only(_utf16)),
    Mutation(
        "reissued_bom_crlf",
        "the same text re-issued with a byte-order mark and CRLF line ends",
        _text_only(_bom_crlf),
        accepted_because="the same data in another byte layout",
    ),
    Mutation("duplicate_rows", "three rows repeated", _duplicate_rows),
    Mutation("row_removed", "the largest series loses one period's row", _row_removed),
    Mutation("series_removed", "the largest series (holder, line, country) is gone", _series_removed),
    Mutation("last_period_removed", "the latest period is gone", _last_period_removed),
    Mutation("values_shifted", "values shifted one column (or one period) in a few rows", _values_shifted),
    Mutation("unit_x1000", "every value x1000 (millions printed as thousands)", _scaled(1000)),
    Mutation("unit_div1000", "every value /1000 (millions printed as billions)", _scaled(0.001)),
    Mutation("one_series_x1000", "the largest series alone x1000", _scaled(1000, one_series=True)),
    Mutation("sign_flipped", "the largest series with its sign flipped", _scaled(-1, one_series=True)),
    Mutation("absurd_value", "one value a million times too large", _absurd_value),
    Mutation(
        "small_revision",
        "the latest period revised by 0.1%",
        _small_revision,
        accepted_because="a genuine revision within the source's tolerance",
    ),
]


def _parse(source: Source, content: bytes) -> pd.DataFrame:
    frame = source.parse(content, Path(source.file_name).name)
    if "vintage" not in frame.columns:
        frame["vintage"] = VINTAGE
    return frame


def verdict(source: Source, mutation: Mutation, content: bytes, original: pd.DataFrame) -> Verdict:
    """Where the mutated file stops, if anywhere."""

    def said(outcome: str, stage: str, detail: str = "") -> Verdict:
        return Verdict(source.name, mutation.name, outcome, stage, detail)

    changed = mutation.apply(source, content, original)
    if changed is None:
        return said("n/a", "does not apply to this format or source")
    if isinstance(changed, bytes):
        try:
            frame = _parse(source, changed)
        except ParseError as exc:
            return said("rejected", "parse", str(exc))
    else:
        frame = changed.reset_index(drop=True)
    gate = run_gate(source.name, source.file_name, source.checks(frame), None, detail=False)
    if not gate.success:
        return said("rejected", "gate", "; ".join(sorted({f.table for f in gate.failures})))
    comparison = run_gate(source.name, source.file_name, vintages.checks(source, frame, original), None, detail=False)
    if not comparison.success:
        return said("rejected", "comparison", "; ".join(sorted({f.table for f in comparison.failures})))
    if isinstance(changed, bytes) and frame.equals(original):
        return said("accepted", "the parsed data are identical")
    return said("accepted", "all checks passed")


def run(source: Source, path: Path, mutations: list[Mutation] | None = None) -> list[Verdict]:
    content = path.read_bytes()
    original = _parse(source, content)
    return [verdict(source, m, content, original) for m in mutations or CATALOGUE]


def is_expected(verdict_: Verdict) -> bool:
    """Rejected as it should be, accepted on purpose, accepted because nothing in the data
    changed (a truncation that cut only footnote text), or not applicable."""
    mutation = next(m for m in CATALOGUE if m.name == verdict_.mutation)
    if verdict_.outcome == "n/a":
        return True
    if verdict_.outcome == "accepted" and verdict_.stage == "the parsed data are identical":
        return True
    return verdict_.outcome == mutation.expected


def table(verdicts: list[Verdict]) -> str:
    """Markdown: one row per mutation, one column per source."""
    sources = list(dict.fromkeys(v.source for v in verdicts))
    cells = {(v.mutation, v.source): v for v in verdicts}
    lines = ["| mutation | " + " | ".join(sources) + " |", "|---" * (len(sources) + 1) + "|"]
    for mutation in CATALOGUE:
        row = []
        for source in sources:
            found = cells.get((mutation.name, source))
            if found is None:
                row.append("")
                continue
            row.append(found.cell if is_expected(found) else f"**{found.cell}, unexpected**")
        lines.append(f"| {mutation.name} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutations", description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_MIRROR)
    parser.add_argument("--real", type=Path, help="a mirror of the publishers' real files, e.g. ../shared/sources")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    unexpected = 0
    for label, root in (("fixtures", args.fixtures), ("real files", args.real)):
        if root is None or not root.is_dir():
            continue
        verdicts = []
        for source in SOURCES.values():
            path = root / source.publisher / source.file_name
            if path.exists():
                verdicts += run(source, path)
        print(f"\n{label} ({root}): parse, gate or compare is where the file was rejected\n")
        print(table(verdicts))
        unexpected += sum(not is_expected(v) for v in verdicts)
    print("\nMutations:\n" + "\n".join(f"- {m.name}: {m.description}" for m in CATALOGUE))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
