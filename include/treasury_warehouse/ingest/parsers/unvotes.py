"""Parsers for UN General Assembly roll-call votes and ideal points.

Layouts read, each from R data (.rda/.RData, as published) or CSV (optionally gzipped):
- ``unvotes`` (the R package's tables): ``un_roll_calls``
  (rcid, session, importantvote, date, unres, amend, para, short, descr) and ``un_votes``
  (rcid, country, country_code = ISO2, vote = yes/abstain/no).
- Voeten (Harvard Dataverse, ``UNVotes*``): one row per roll call and country with COW
  ``ccode``, ``vote`` 1=yes, 2=abstain, 3=no, 8=absent, 9=not a member, and the roll
  call's session, date, resolution and important-vote flag.
- UN Digital Library voting CSV: ``undl_id, ms_code (ISO3), ms_name, ms_vote`` with
  Y/N/A/X (X = did not vote), ``date, session, resolution`` and related columns.
- Bailey-Strezhnev-Voeten ideal points (``Idealpoints*.dta``/``.csv``/``.tab``).

Every vote table comes out in one shape: roll call id, country name and code (with
the code system), the vote as yes/abstain/no/absent/non_member, and its Voeten code.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tempfile

import numpy as np
import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text, refuse_html

GZIP_MAGIC = b"\x1f\x8b"
VOTE_CODES = {"yes": 1, "abstain": 2, "no": 3, "absent": 8, "non_member": 9}
VOETEN_VOTES = {1: "yes", 2: "abstain", 3: "no", 8: "absent", 9: "non_member"}
UNDL_VOTES = {"Y": "yes", "A": "abstain", "N": "no", "X": "absent", "": "absent"}
VOTE_COLUMNS = ["rcid", "country_name", "country_code", "code_system", "vote", "vote_code"]
ROLL_CALL_COLUMNS = [
    "rcid",
    "session",
    "vote_date",
    "resolution",
    "is_amendment",
    "is_paragraph",
    "is_important_vote",
    "short_title",
    "description",
]


def _text(content: bytes, source: str, file: str) -> str:
    if content[:2] == GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise ParseError(source, file, "compression", f"the gzip stream is truncated or corrupt: {exc}") from None
    return decode_text(content, source, file)


R_DATA_MAGICS = (b"RDX2", b"RDX3", b"RDA2", b"RDA3")
COMPRESSIONS = {b"BZh": bz2.decompress, GZIP_MAGIC: gzip.decompress, b"\xfd7zXZ": lzma.decompress}


def _r_data(content: bytes, source: str, file: str, keep: list[str]) -> pd.DataFrame | None:
    """The columns ``keep`` of the table in an R data file (.rda/.RData, as the unvotes
    package and Voeten publish), or None if the bytes are not R data."""
    raw = content
    for magic, decompress in COMPRESSIONS.items():
        if content.startswith(magic):
            try:
                raw = decompress(content)
            except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
                raise ParseError(
                    source, file, "compression", f"the compressed stream is truncated or corrupt: {exc}"
                ) from None
            break
    if not raw.startswith(R_DATA_MAGICS):
        return None
    import pyreadr

    with tempfile.NamedTemporaryFile(suffix=".rda") as handle:
        handle.write(content)
        handle.flush()
        try:
            objects = pyreadr.read_r(handle.name)
        except pyreadr.custom_errors.PyreadrError as exc:
            raise ParseError(source, file, "r_data", f"unreadable R data: {exc}") from None
    if len(objects) != 1:
        raise ParseError(source, file, "r_data", f"expected one table in the R file, found {list(objects)}")
    frame = next(iter(objects.values()))
    # Parse R tables through the same checks as CSV: everything as text, missing as "".
    # Only the columns the parser reads are converted (Voeten's table has 20 more).
    columns = {}
    for name in [c for c in frame.columns if c in keep]:
        column = frame[name]
        if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
            column = column.astype("Int64")  # R stores integers as doubles: 3.0 -> "3"
        columns[name] = column.astype("string").fillna("").astype(str)
    return pd.DataFrame(columns).reset_index(drop=True)


def _csv(content: bytes, source: str, file: str, required: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = _r_data(content, source, file, [*required, *optional])
    if frame is not None:
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise ParseError(source, file, "columns", f"missing {missing}; found {list(frame.columns)[:12]}")
        return frame
    frame = _delimited(content, source, file)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ParseError(source, f"{file} line 1", "columns", f"missing {missing}; found {list(frame.columns)[:12]}")
    return frame


def _delimited_input(content: bytes, source: str, file: str) -> tuple[bytes, str, list[str]]:
    """The bytes of a comma- or tab-separated file (gunzipped, without a BOM), its
    separator and header; an empty file or an HTML page is refused."""
    import csv

    if content[:2] == GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise ParseError(source, file, "compression", f"the gzip stream is truncated or corrupt: {exc}") from None
    content = content.removeprefix(b"\xef\xbb\xbf")
    if not content[:65536].strip() and not content.strip():
        raise ParseError(source, file, "not_empty", "the file is empty")
    refuse_html(content, source, file)
    end = content.find(b"\n")
    first = content[: end if end >= 0 else len(content)]
    sep = "\t" if first.count(b"\t") > first.count(b",") else ","
    try:
        header = next(csv.reader([first.decode("utf-8").rstrip("\r")], delimiter=sep))
    except UnicodeDecodeError as exc:
        raise ParseError(source, file, "encoding", f"expected UTF-8 text: {exc}") from None
    return content, sep, header


def _arrow_csv_options(sep: str, columns: list[str]) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return {
        "parse_options": pacsv.ParseOptions(delimiter=sep),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


def _utf8_errors(exc: Exception, source: str, file: str) -> None:
    if "UTF8" in str(exc):
        raise ParseError(source, file, "encoding", f"expected UTF-8 text: {exc}") from None


def _delimited(content: bytes, source: str, file: str) -> pd.DataFrame:
    """A comma- or tab-separated file (optionally gzipped), every column as text, missing as
    "". Read by Arrow into Arrow-backed columns: no Python string per cell and no decoded
    copy of the file."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    content, sep, header = _delimited_input(content, source, file)
    try:
        table = pacsv.read_csv(io.BytesIO(content), **_arrow_csv_options(sep, header))
    except pa.ArrowInvalid as exc:
        _utf8_errors(exc, source, file)
        raise
    return table.to_pandas()


def _compact_votes(content: bytes, source: str, file: str, required: list[str]) -> pd.DataFrame:
    """The columns ``required`` of a votes file, read in blocks: each block's text trimmed and
    dictionary-encoded as it is read (a few hundred countries, three votes), so the table
    is a few bytes a row and no block is held as text once read. ``rcid`` comes out as
    int64 (a bad value names its line)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    content, sep, header = _delimited_input(content, source, file)
    missing = [c for c in required if c not in header]
    if missing:
        raise ParseError(source, f"{file} line 1", "columns", f"missing {missing}; found {header[:12]}")
    options = _arrow_csv_options(sep, header)
    options["convert_options"].include_columns = required
    chunks: dict[str, list] = {c: [] for c in required}
    line = 2  # the first data line
    try:
        # Arrow reads the bytes in place (no Python file in between), 4 MB a block.
        reader = pacsv.open_csv(pa.BufferReader(content), read_options=pacsv.ReadOptions(block_size=4 << 20), **options)
        for batch in reader:
            for column in required:
                text = pc.utf8_trim_whitespace(batch.column(column))
                if column in ("rcid", "undl_id"):  # checked as integers, kept as their text (the key's type)
                    try:
                        text = pc.cast(pc.cast(text, pa.int64()), pa.string())
                    except pa.ArrowInvalid:
                        _integers(batch.column(column).to_pandas(), source, file, column, first_line=line)
                        raise
                chunks[column].append(pc.dictionary_encode(text))
            line += batch.num_rows
    except pa.ArrowInvalid as exc:
        _utf8_errors(exc, source, file)
        raise
    if not chunks[required[0]]:
        raise ParseError(source, file, "not_empty", "the file has a header and no rows")
    table = pa.table({c: pa.chunked_array(chunks[c]) for c in required})
    del chunks
    return table.to_pandas(self_destruct=True)


def _vote_codes(votes: pd.Series, codes: dict[str, int]) -> pd.Series:
    """Each vote's code, mapped once per distinct vote rather than once per row."""
    return votes.astype("category").map(codes).astype("int64")


def _integers(series: pd.Series, source: str, file: str, column: str, first_line: int = 2) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # a million plain integers: Arrow's cast, ten times pandas' speed
        text = pc.utf8_trim_whitespace(pa.array(series, type=pa.string()))
        return pd.Series(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False), index=series.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass  # not all plain integers ("3.0", blanks, text): checked below, naming the first bad line
    values = pd.to_numeric(series.str.strip(), errors="coerce")
    bad = values.isna() | (values % 1 != 0)
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(
            source,
            f"{file} line {first + first_line}",
            "integer",
            f"{column}: expected an integer: {series.iloc[first]!r}",
        )
    return values.astype("int64")


def _dates(series: pd.Series, source: str, file: str, *, allow_blank: bool = False) -> pd.Series:
    text = series.str.strip()
    dates = pd.to_datetime(text.replace("", None), format="mixed", errors="coerce")
    bad = dates.isna() & ~(allow_blank & (text == ""))
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(source, f"{file} line {first + 2}", "date", f"unreadable date {series.iloc[first]!r}")
    return dates


def _flag(series: pd.Series) -> pd.Series:
    return series.str.strip().isin(["1", "TRUE", "True", "true"])


def parse_roll_calls(content: bytes, file: str = "un_roll_calls.csv") -> pd.DataFrame:
    source = "un_roll_calls"
    frame = _csv(
        content, source, file, ["rcid", "session", "importantvote", "date", "unres", "amend", "para", "short", "descr"]
    )
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        first = int(dates.isna().to_numpy().nonzero()[0][0])
        raise ParseError(source, f"{file} line {first + 2}", "date", f"expected YYYY-MM-DD: {frame['date'][first]!r}")
    return pd.DataFrame(
        {
            "rcid": _integers(frame["rcid"], source, file, "rcid").astype(str),
            "session": _integers(frame["session"], source, file, "session"),
            "vote_date": dates,
            "resolution": frame["unres"].str.strip().replace("", None),
            "is_amendment": _flag(frame["amend"]),
            "is_paragraph": _flag(frame["para"]),
            "is_important_vote": _flag(frame["importantvote"]),
            "short_title": frame["short"].str.strip(),
            "description": frame["descr"].str.strip(),
        }
    )


def parse_votes(content: bytes, file: str = "un_votes.csv") -> pd.DataFrame:
    """The unvotes layout: ISO2 codes and yes/abstain/no."""
    source = "un_votes"
    required = ["rcid", "country", "country_code", "vote"]
    frame = _r_data(content, source, file, required)
    if frame is None:  # text: read compactly (the R file is the package's, a million rows)
        frame = _compact_votes(content, source, file, required)
    else:
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise ParseError(source, file, "columns", f"missing {missing}; found {list(frame.columns)[:12]}")
        frame = frame.assign(
            rcid=_integers(frame["rcid"], source, file, "rcid").astype(str).astype("category"),
            **{c: frame[c].str.strip().astype("category") for c in ("country", "country_code", "vote")},
        )
    # Categories (a few hundred countries, three votes) map once per distinct value, and
    # are written to Parquet dictionary-encoded (read as text): a row is a few bytes.
    votes = (
        frame["vote"].cat.rename_categories(lambda v: v.lower())
        if _lower_is_unique(frame["vote"])
        else (frame["vote"].astype(str).str.lower().astype("category"))
    )
    unknown = sorted(set(votes.cat.categories[votes.cat.codes.unique()]) - {"yes", "abstain", "no"})
    if unknown:
        raise ParseError(source, file, "vote_values", f"expected yes/abstain/no, found {unknown[:5]}")
    code = frame["country_code"]
    return pd.DataFrame(
        {
            "rcid": _sorted(frame["rcid"]),
            "country_name": _sorted(frame["country"]),
            "country_code": _sorted(code.cat.remove_categories([""]) if "" in code.cat.categories else code),
            "code_system": pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), categories=["iso2"]),
            "vote": _sorted(_without_unused(votes)),
            "vote_code": _vote_codes(votes, VOTE_CODES),
        },
        copy=False,  # the columns are this call's own: a copy would add 0.8 GB at 50x
    )


def _without_unused(column: pd.Series) -> pd.Series:
    """The categories no row uses removed. pandas' remove_unused_categories builds an
    inverse index of int64 per row (1.1 GB at 50x the votes, the parse's peak); the codes
    in use are found by hashing the int8 codes instead."""
    used = pd.unique(column.array.codes)
    unused = column.cat.categories.delete(used[used >= 0])
    return column.cat.remove_categories(unused) if len(unused) else column


def _sorted(column: pd.Series) -> pd.Series:
    """The same categories in the same order, whichever file layout they were read from."""
    return column.cat.reorder_categories(sorted(column.cat.categories))


def _lower_is_unique(votes: pd.Series) -> bool:
    lowered = [v.lower() for v in votes.cat.categories]
    return len(set(lowered)) == len(lowered)


def parse_voeten_votes(content: bytes, file: str = "UNVotes.csv") -> pd.DataFrame:
    """Voeten's layout: COW codes, vote codes 1/2/3/8/9, roll-call fields on every row."""
    source = "un_votes_voeten"
    frame = _csv(
        content, source, file, ["rcid", "session", "vote", "ccode", "importantvote", "date", "unres"], ("year",)
    )
    codes = _integers(frame["vote"], source, file, "vote")
    unknown = sorted(set(codes.unique()) - set(VOETEN_VOTES))
    if unknown:
        raise ParseError(source, file, "vote_values", f"expected vote codes 1, 2, 3, 8, 9, found {unknown[:5]}")
    dates = _dates(frame["date"], source, file, allow_blank=True)
    years = _integers(frame["year"], source, file, "year") if "year" in frame.columns else dates.dt.year.astype("Int64")
    return pd.DataFrame(
        {
            "rcid": _integers(frame["rcid"], source, file, "rcid").astype(str),
            "country_name": None,
            "country_code": _integers(frame["ccode"], source, file, "ccode").astype(str),
            "code_system": "cow",
            "vote": codes.astype("category").map(VOETEN_VOTES).astype(str),
            "vote_code": codes,
            "session": _integers(frame["session"], source, file, "session"),
            # One roll call (rcid 4592, 2004) is published without date or resolution.
            "vote_date": dates,
            "vote_year": years,
            "resolution": frame["unres"].str.strip().replace("", None),
            "is_important_vote": _flag(frame["importantvote"]),
        }
    )


UNDL_COLUMNS = ["undl_id", "ms_code", "ms_name", "ms_vote", "date", "session", "resolution"]


def parse_undl_votes(content: bytes, file: str = "ga_voting.csv") -> pd.DataFrame:
    """The UN Digital Library voting CSV (one row per member and roll call; its data
    dictionary): ISO3 member codes (a few historical ones, SUN, YUG, ..., beside them),
    Y/N/A/X (X: did not vote), the session (``ES-10`` for an emergency special session,
    kept as no regular session) and the adopted resolution's symbol. Only these columns
    are read, a block at a time (titles and subjects are most of the file's bytes). The
    release date in the file's name (``2026_02_06_ga_voting.csv``) is the vintage."""
    from treasury_warehouse.ingest.listings import release_date

    source = "un_votes_undl"
    frame = _compact_votes(content, source, file, UNDL_COLUMNS)
    raw = frame["ms_vote"].astype(str).str.upper().astype("category")
    unknown = sorted(set(raw.cat.categories) - set(UNDL_VOTES))
    if unknown:
        raise ParseError(source, file, "vote_values", f"expected Y, N, A, X or blank, found {unknown[:5]}")
    votes = raw.map(UNDL_VOTES).astype("category")
    days = frame["date"].cat.categories
    parsed = pd.to_datetime(pd.Series(days), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        bad = days[int(parsed.isna().to_numpy().nonzero()[0][0])]
        line = int((frame["date"] == bad).to_numpy().nonzero()[0][0]) + 2
        raise ParseError(source, f"{file} line {line}", "date", f"expected YYYY-MM-DD: {bad!r}")
    dates = pd.Series(pd.Categorical.from_codes(frame["date"].cat.codes, categories=parsed)).astype("datetime64[ns]")
    session_text = frame["session"].astype(str)
    sessions = pd.to_numeric(session_text.where(session_text.str.fullmatch(r"\d+")), errors="coerce").astype("Int64")
    odd = ~session_text.str.fullmatch(r"\d+|ES-\d+")
    if odd.any():
        first = int(odd.to_numpy().nonzero()[0][0])
        detail = f"expected 79 or ES-10: {session_text[first]!r}"
        raise ParseError(source, f"{file} line {first + 2}", "session", detail)
    parsed_frame = pd.DataFrame(
        {
            "rcid": frame["undl_id"],
            "country_name": frame["ms_name"],
            "country_code": frame["ms_code"],
            "code_system": pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), categories=["iso3"]),
            "vote": votes,
            "vote_code": _vote_codes(votes, VOTE_CODES),
            "session": sessions,
            "vote_date": dates,
            "vote_year": dates.dt.year.astype("int64"),
            "resolution": frame["resolution"].astype(str).replace("", None),
            "is_important_vote": False,
        }
    )
    released = release_date(file)
    if released is not None:
        parsed_frame["vintage"] = pd.Timestamp(released)
    return parsed_frame


IDEAL_POINT_COLUMNS = [
    "ccode",
    "iso3c",
    "countryname",
    "year",
    "idealpointfp",
    "idealpointall",
    "idealpointlegacy",
    "nvotesfp",
    "nvotesall",
]


def parse_ideal_points(content: bytes, file: str = "Idealpoints.dta") -> pd.DataFrame:
    source = "un_ideal_points"
    name = file.split(" ")[0].lower()
    # Landed from Dataverse as "<release date>__<file name>" (listings.dataverse_ideal_points).
    name = name.split("__", 1)[1] if re.match(r"\d{4}-\d{2}-\d{2}__", name) else name
    if name.endswith(".dta"):
        refuse_html(content, source, file)
        try:
            frame = pd.read_stata(io.BytesIO(content), convert_categoricals=False)
        except Exception as exc:  # pandas raises ValueError/struct.error on a bad or cut file
            raise ParseError(source, file, "stata", f"not a readable Stata file: {exc}") from None
    else:
        text = _text(content, source, file)
        sep = "\t" if name.endswith(".tab") else ","
        frame = pd.read_csv(io.StringIO(text), sep=sep)
    # Editions differ in case (IdealPointFP, NVotesFP in the .tab of 2026) and the newest have
    # the final-passage estimates alone: the all-votes and legacy ones are then null.
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for optional in ("idealpointall", "idealpointlegacy", "nvotesall"):
        if optional not in frame.columns:
            frame[optional] = None
    missing = [c for c in IDEAL_POINT_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(source, file, "columns", f"missing {missing}")
    for column in ("ccode", "year"):
        bad = pd.to_numeric(frame[column], errors="coerce").isna()
        if bad.any():
            first = int(bad.to_numpy().nonzero()[0][0])
            raise ParseError(source, f"{file} row {first + 2}", "integer", f"{column}: {frame[column].iloc[first]!r}")
    out = pd.DataFrame(
        {
            "ccode": pd.to_numeric(frame["ccode"], errors="raise").astype("int64").astype(str),
            "iso3c": frame["iso3c"].astype("string").str.strip().replace("", pd.NA),
            "country_name": frame["countryname"].astype("string").str.strip().replace("", pd.NA),
            "year": pd.to_numeric(frame["year"], errors="raise").astype("int64"),
            "ideal_point_final_passage": pd.to_numeric(frame["idealpointfp"], errors="coerce").astype("float64"),
            "ideal_point_all": pd.to_numeric(frame["idealpointall"], errors="coerce").astype("float64"),
            "ideal_point_legacy": pd.to_numeric(frame["idealpointlegacy"], errors="coerce").astype("float64"),
            "votes_final_passage": pd.to_numeric(frame["nvotesfp"], errors="coerce").astype("Int64"),
            "votes_all": pd.to_numeric(frame["nvotesall"], errors="coerce").astype("Int64"),
        }
    )
    out["iso3c"] = out["iso3c"].astype(object).where(out["iso3c"].notna(), None)
    out["country_name"] = out["country_name"].astype(object).where(out["country_name"].notna(), None)
    return out
