"""Two releases of every publisher with a keyless live path, and a server that answers as
the publishers do, for the replay drill (tests/e2e/test_replay_drill.py).

Release 1 is the real files of ``../shared/sources``, each in the shape its publisher
serves it: the Fiscal Data API's JSON pages (the mirror holds the site's CSV downloads),
the IMF's SDMX-CSV (the mirror holds a third-party extract), the UN Digital Library's
voting CSV (the mirror has none: the unvotes package's votes, rewritten in its layout), and
the project's own fixtures for FRED's two series the corpus lacks. Release 2 is release 1
with the next period appended to every source (the next month, quarter, year, day,
survey or General Assembly session, a copy of the last one's figures) and one small
revision: Japan's TIC holdings of November 2025, 1202.7 to 1203.0 ($bn).

Run as a script (with the project on PYTHONPATH, as the tests run it), it writes a release:

    python tests/replay/publishers.py <out folder> 1|2 [<shared sources folder>]

``serve(root)`` answers ``/<publisher host>/<path>`` from such a folder, as fetches routed
through ``PUBLISHER_ORIGIN`` ask: the Fiscal Data API's paging (``page[number]``,
``links.next``) and newest-record-date probe, FRED's ``?id=``, the Digital Library's file
list, Dataverse's dataset answer and its 303 redirect to storage, the IMF's SDMX-CSV only
when asked for in the Accept header.
"""

from __future__ import annotations

import contextlib
import csv
import http.server
import io
import json
import sys
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd

from treasury_warehouse.ingest.parsers.fiscal import PENNY_FIELDS, SUMMARY_FIELDS

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared" / "sources"
FIXTURES = PROJECT / "tests" / "fixtures" / "mirror"

TIC = "ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents"
FRED = "fred.stlouisfed.org/graph/fredgraph.csv"
FISCAL = "api.fiscaldata.treasury.gov/services/api/fiscal_service"
BROOKINGS = "www.brookings.edu"
UNVOTES = "raw.githubusercontent.com/dgrtwo/unvotes/master/data"
UNVOTES_RAW = "raw.githubusercontent.com/dgrtwo/unvotes/master/data-raw"
UNDL = "digitallibrary.un.org"
DATAVERSE = "dataverse.harvard.edu"
WORLD_BANK = "api.worldbank.org/v2/en/indicator/FI.RES.TOTL.CD"
IMF = "api.imf.org/external/sdmx/2.1/data/IMF.STA,IL/.RGV_REVS.FTO.Q"
ROUTED_SUFFIX = ".rows.json"  # a Fiscal Data endpoint's rows, paged by the server

# What release 2 adds, for the drill's checks: per source the period appended (its first
# characters, as the digest names it).
APPENDED = {
    "tic_mfh": "2026-01",
    "tic_slt": "2026-06",
    "tic_shl": "2025-06-30",
    "fred_iipusnetiq": "2022-07-01",
    "fred_iipusassq": "2022-07-01",
    "fred_iipusliaq": "2022-07-01",
    "fred_fdhbfin": "2017-01-01",
    "fred_iipusnetia": "2025-01-01",
    "fred_rowtsea027n": "2025-01-01",
    "fiscal_mspd_summary": "2026-06-30",
    "fiscal_mspd_detail": "2026-10-31",
    "fiscal_debt_penny": "2025-03-07",
    "ewn": "2023",
    "un_roll_calls": "2020",
    "un_votes": "",  # its period is the roll call: rcids, not dates
    "un_votes_undl": "2020",
    "un_votes_voeten": "2016",
    "un_ideal_points": "2025",
    "wb_reserves": "2025",
    "imf_gold": "2019-12-31",
}
REVISION = ("Japan", "2025-11", 1202.7, 1203.0)


def _write(root: Path, relative: str, content: bytes | str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


# -- TIC -------------------------------------------------------------------------------------


def tic_mfh(text: str, release: int) -> str:
    """Release 2: a new yearly block for January 2026 on top (December's figures), and
    Japan's November 2025 revised."""
    if release == 1:
        return text
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("\tDec\t"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("\tDec\t"))
    block = []
    for line in lines[start:end]:
        cells = line.split("\t")
        if line.startswith("\tDec\t"):
            cells = ["", "Jan"]
        elif cells[0] == "Country":
            cells = ["Country", "2026"]
        else:
            cells = cells[:2]
        block.append("\t".join(cells))
    name, _, before, after = REVISION
    revised = []
    for line in lines[start:end]:
        cells = line.split("\t")
        if cells[0] == name:  # Dec, Nov, ...: November is the second figure
            assert cells[2] == str(before), cells[:3]
            cells[2] = str(after)
        revised.append("\t".join(cells))
    return "\n".join([*lines[:start], *block, *revised, *lines[end:]])


def tic_slt(text: str, release: int) -> str:
    """Release 2: June 2026 for every row of May 2026: positions held, no flows."""
    if release == 1:
        return text
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("country\tcountry_code\tdate"))
    names = lines[header].split("\t")
    out = lines[: header + 1]
    for line in lines[header + 1 :]:
        cells = line.split("\t")
        if len(cells) > 2 and cells[2] == "2026-05":
            new = [
                "0" if n.endswith(("_net", "_valchg")) and v not in ("", "*") else v
                for n, v in zip(names, cells, strict=False)
            ]
            new[2] = "2026-06"
            out.append("\t".join(new))
        out.append(line)
    return "\n".join(out)


def tic_shl(text: str, release: int) -> str:
    """Release 2: a June 2025 survey (June 2024's figures) before June 2024, released 2026."""
    if release == 1:
        return text
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    first = next(i for i, row in enumerate(rows) if len(row) > 2 and row[2] == "Jun 2024")
    width = sum(1 for cell in rows[first] if cell == "Jun 2024")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for i, row in enumerate(rows):
        if i < first:
            writer.writerow([c.replace("For release April 30, 2025", "For release April 30, 2026") for c in row])
            continue
        group = row[2 : 2 + width]
        if i == first:
            group = ["Jun 2025"] * width
        writer.writerow([*row[:2], *group, *row[2:]] if len(row) > 2 else row)
    return out.getvalue()


# -- FRED ------------------------------------------------------------------------------------


def fred(text: str, release: int) -> str:
    """Release 2: the next observation (a quarter, or a year for annual series), the last value."""
    if release == 1:
        return text
    rows = [line for line in text.strip().split("\n")]
    last_date, last_value = rows[-1].split(",")
    previous = date.fromisoformat(rows[-2].split(",")[0])
    last = date.fromisoformat(last_date)
    months = (last.year - previous.year) * 12 + last.month - previous.month
    month = last.month - 1 + months
    following = date(last.year + month // 12, month % 12 + 1, 1)
    return "\n".join([*rows, f"{following.isoformat()},{last_value}"]) + "\n"


# -- Fiscal Data -----------------------------------------------------------------------------


def _fiscal_rows(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict]:
    return [
        {field: ("null" if pd.isna(row[column]) else str(row[column])) for field, column in fields.items()}
        for _, row in frame.iterrows()
    ]


def mspd_summary(path: Path, release: int) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    rows = _fiscal_rows(frame, SUMMARY_FIELDS)  # the API field of each column of the site's CSV
    if release == 2:
        latest = max(r["record_date"] for r in rows)
        rows += [{**r, "record_date": APPENDED["fiscal_mspd_summary"]} for r in rows if r["record_date"] == latest]
    return sorted(rows, key=lambda r: r["record_date"])


def mspd_detail(path: Path, release: int) -> list[dict]:
    rows = json.loads(path.read_text())["data"]
    if release == 2:  # the next month's statement: every security a month on, so none matures
        day = APPENDED["fiscal_mspd_detail"]
        rows = rows + [{**r, "record_date": day, "maturity_date": _month_on(r.get("maturity_date"))} for r in rows]
    return rows


def _month_on(day: str | None) -> str | None:
    if not day or day == "null":
        return day
    return (pd.Timestamp(day) + pd.DateOffset(months=1)).strftime("%Y-%m-%d")


def debt_penny(path: Path, release: int) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    rows = _fiscal_rows(frame, PENNY_FIELDS)
    if release == 2:
        latest = max(rows, key=lambda r: r["record_date"])
        rows.append({**latest, "record_date": APPENDED["fiscal_debt_penny"]})
    return sorted(rows, key=lambda r: r["record_date"])


# -- workbooks and R data --------------------------------------------------------------------


def ewn(path: Path, release: int) -> bytes:
    if release == 1:
        return path.read_bytes()
    frame = pd.read_excel(path, sheet_name="Dataset")
    last = frame[frame["Year"] == frame["Year"].max()].assign(Year=int(APPENDED["ewn"]))
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        pd.concat([frame, last], ignore_index=True).to_excel(writer, sheet_name="Dataset", index=False)
    return out.getvalue()


def _r_table(path: Path) -> pd.DataFrame:
    import pyreadr

    return next(iter(pyreadr.read_r(str(path)).values()))


def _r_bytes(frame: pd.DataFrame, name: str, folder: Path) -> bytes:
    import pyreadr

    target = folder / f"{name}.rda"
    pyreadr.write_rdata(str(target), frame, df_name=name, compress="gzip")
    return target.read_bytes()


def next_session(roll_calls: pd.DataFrame, votes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last full year's roll calls and votes again, a year and a session later, with new
    roll-call ids and resolution symbols (the package's data ends in January 2020)."""
    years = pd.to_datetime(roll_calls["date"]).dt.year
    counts = years.value_counts()
    full = int(counts[counts >= 20].index.max())
    last = roll_calls[years == full].copy()
    offset = int(roll_calls["rcid"].max())
    old_ids = last["rcid"].copy()
    last["rcid"] = last["rcid"] + offset
    last["date"] = (pd.to_datetime(last["date"]) + pd.DateOffset(years=1)).dt.date
    last["unres"] = [
        str(symbol).replace(f"/{int(session)}/", f"/{int(session) + 1}/")
        for symbol, session in zip(last["unres"], last["session"], strict=True)
    ]
    last["session"] = last["session"] + 1
    new_votes = votes[votes["rcid"].isin(old_ids)].copy()
    new_votes["rcid"] = new_votes["rcid"] + offset
    return last, new_votes


def unvotes(release: int, shared: Path, scratch: Path) -> tuple[bytes, bytes, pd.DataFrame, pd.DataFrame]:
    roll_calls = _r_table(shared / "unvotes" / "unvotes_r_package" / "un_roll_calls.rda")
    votes = _r_table(shared / "unvotes" / "unvotes_r_package" / "un_votes.rda")
    roll_calls["date"] = pd.to_datetime(roll_calls["date"]).dt.date
    if release == 2:
        more_calls, more_votes = next_session(roll_calls, votes)
        roll_calls = pd.concat([roll_calls, more_calls], ignore_index=True)
        votes = pd.concat([votes, more_votes], ignore_index=True)
    scratch.mkdir(parents=True, exist_ok=True)
    return _r_bytes(roll_calls, "un_roll_calls", scratch), _r_bytes(votes, "un_votes", scratch), roll_calls, votes


UNDL_HEADER = [
    "undl_id", "ms_code", "ms_name", "ms_vote", "date", "session", "resolution", "draft", "committee_report",
    "meeting", "title", "agenda_title", "subjects", "vote_note", "total_yes", "total_no", "total_abstentions",
    "total_non_voting", "total_ms", "undl_link",
]  # fmt: skip
UNDL_VOTES = {"yes": "Y", "no": "N", "abstain": "A"}


def voeten(path: Path, release: int, scratch: Path) -> bytes:
    """Voeten's file (object x, one row per roll call and member); release 2 adds the last
    session again, a year and a session later."""
    if release == 1:
        return path.read_bytes()
    frame = _r_table(path)
    last = frame[frame["session"] == frame["session"].max()].copy()
    session = int(last["session"].iloc[0])
    last["rcid"] = last["rcid"] + 1_000_000  # ids of its own, apart from the package's
    last["session"] = session + 1
    last["year"] = last["year"] + 1
    last["date"] = (pd.to_datetime(last["date"]) + pd.DateOffset(years=1)).dt.strftime("%Y-%m-%d")
    last["unres"] = last["unres"].astype(str).str.replace(f"/{session}/", f"/{session + 1}/", regex=False)
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    scratch.mkdir(parents=True, exist_ok=True)
    return _r_bytes(pd.concat([frame, last], ignore_index=True), "x", scratch)


def undl(roll_calls: pd.DataFrame, votes: pd.DataFrame) -> bytes:
    """The unvotes package's votes in the Digital Library's layout: ISO3 codes (the
    project's country seed maps the package's ISO2), Y/N/A, the resolution's symbol."""
    countries = pd.read_csv(PROJECT / "dbt_project" / "seeds" / "iso_countries.csv", dtype=str, keep_default_na=False)
    iso3 = dict(zip(countries["iso2"], countries["iso3"], strict=True))
    joined = votes.merge(roll_calls[["rcid", "date", "session", "unres"]], on="rcid")
    joined = joined[joined["country_code"].astype(str).isin(iso3)]
    frame = pd.DataFrame(
        {
            "undl_id": joined["rcid"].astype(int) + 4_000_000,
            "ms_code": joined["country_code"].astype(str).map(iso3),
            "ms_name": joined["country"].astype(str).str.upper(),
            "ms_vote": joined["vote"].astype(str).map(UNDL_VOTES).fillna("X"),
            "date": pd.to_datetime(joined["date"]).dt.strftime("%Y-%m-%d"),
            "session": joined["session"].astype(int),
            "resolution": joined["unres"].astype(str),
        }
    )
    for column in UNDL_HEADER:
        if column not in frame.columns:
            frame[column] = ""
    return frame[UNDL_HEADER].to_csv(index=False).encode()


def ideal_points(path: Path, release: int) -> bytes:
    frame = pd.read_stata(path)
    if release == 2:
        last = frame[frame["year"] == frame["year"].max()].assign(year=int(APPENDED["un_ideal_points"]))
        frame = pd.concat([frame, last], ignore_index=True)
    out = io.BytesIO()
    frame.to_stata(out, write_index=False, version=118)
    return out.getvalue()


# -- World Bank and IMF ----------------------------------------------------------------------


def world_bank(path: Path, release: int) -> bytes:
    text = path.read_text(encoding="utf-8-sig")
    if release == 2:
        rows = list(csv.reader(io.StringIO(text)))
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for row in rows:
            if row and row[0] == "Last Updated Date":
                row = ["Last Updated Date", "2026-07-01", *row[2:]]
            elif row and row[0] == "Country Name":
                last = max(i for i, cell in enumerate(row) if cell.isdigit())
                row = [*row[: last + 1], APPENDED["wb_reserves"], *row[last + 1 :]]
            elif len(row) > 4 and rows and row[0] not in ("Data Source",):
                header = next(r for r in rows if r and r[0] == "Country Name")
                last = max(i for i, cell in enumerate(header) if cell.isdigit())
                row = [*row[: last + 1], row[last], *row[last + 1 :]]
            writer.writerow(row)
        text = out.getvalue()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("API_FI.RES.TOTL.CD_DS2_en_csv_v2_2475.csv", "\ufeff" + text)
        zipped.writestr("Metadata_Country_API_FI.RES.TOTL.CD_DS2_en_csv_v2_2475.csv", "Country Code\n")
    return archive.getvalue()


IMF_CODES = {"World": "G001", "United States": "USA", "China, P.R.: Mainland": "CHN"}


def imf_gold(path: Path, release: int) -> bytes:
    """The extract as the IMF's SDMX-CSV (millions of ounces, SCALE 6); codes for the three
    entities the warehouse names, the extract's names as labels for the others."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if release == 2:
        last = frame[frame["Time Period"] == "2019Q3"].assign(**{"Time Period": "2019Q4"})
        frame = pd.concat([frame, last], ignore_index=True)
    names = frame["Country Name"]
    codes = names.map(IMF_CODES).fillna("X" + pd.Series(pd.factorize(names)[0], index=names.index).astype(str))
    out = pd.DataFrame(
        {
            "DATAFLOW": "IMF.STA:IL(13.0.1)",
            "COUNTRY": codes + ": " + names,
            "INDICATOR": "RGV_REVS: Gold reserves (volume)",
            "UNIT": "FTO: Fine troy ounces",
            "FREQUENCY": "Q: Quarterly",
            "TIME_PERIOD": frame["Time Period"].str.replace("Q", "-Q", regex=False),
            "OBS_VALUE": (pd.to_numeric(frame["Value"]) / 1e6).map(lambda v: f"{v:.9f}"),
            "SCALE": "6: Millions",
        }
    )
    return out.to_csv(index=False).encode()


# -- one release -----------------------------------------------------------------------------


def write_release(root: Path, release: int, shared: Path = SHARED) -> Path:
    """Write release 1 or 2 of every keyless publisher under root, laid out by host and path."""
    root.mkdir(parents=True, exist_ok=True)
    for name, change in (("mfhhis01.txt", tic_mfh), ("slt_table1.txt", tic_slt), ("shlhistdat.txt", tic_shl)):
        _write(root, f"{TIC}/{name}", change((shared / "tic" / name).read_text(), release))
    for series in ("IIPUSNETIQ", "FDHBFIN", "IIPUSNETIA", "ROWTSEA027N"):
        _write(root, f"{FRED}/{series}", fred((shared / "niip" / f"{series}.csv").read_text(), release))
    for series in ("IIPUSASSQ", "IIPUSLIAQ"):  # not in the corpus: the project's fixtures
        _write(root, f"{FRED}/{series}", fred((FIXTURES / "niip" / f"{series}.csv").read_text(), release))
    fiscal = shared / "fiscal"
    endpoints = {
        "v1/debt/mspd/mspd_table_1": mspd_summary(fiscal / "MSPD_SumSecty_20010131_20260531.csv", release),
        "v1/debt/mspd/mspd_table_3": mspd_detail(fiscal / "mspd_table_3_record_date_2026-09-30.json", release),
        "v2/accounting/od/debt_to_penny": debt_penny(fiscal / "DebtPenny_20200307_20250306.csv", release),
    }
    for endpoint, rows in endpoints.items():
        _write(root, f"{FISCAL}/{endpoint}{ROUTED_SUFFIX}", json.dumps(rows))
    workbook = f"/wp-content/uploads/2026/0{release}/EWN-dataset-release-{release}.xlsx"
    _write(root, f"{BROOKINGS}{workbook}", ewn(shared / "niip" / "EWN-dataset_12-2022.xlsx", release))
    _write(
        root,
        f"{BROOKINGS}/articles/the-external-wealth-of-nations-database/index.html",
        f"<html><body><h1>The External Wealth of Nations Database</h1><a href='{workbook}'>Download</a></body></html>",
    )
    roll_calls_rda, votes_rda, roll_calls, votes = unvotes(release, shared, root / ".scratch")
    _write(root, f"{UNVOTES}/un_roll_calls.rda", roll_calls_rda)
    _write(root, f"{UNVOTES}/un_votes.rda", votes_rda)
    voeten_file = shared / "unvotes" / "voeten_unvotes_2016" / "UNVotesPublished.RData"
    _write(root, f"{UNVOTES_RAW}/UNVotesPublished.RData", voeten(voeten_file, release, root / ".scratch"))
    stamp = "2025_9_19" if release == 1 else "2026_2_6"
    _write(root, f"{UNDL}/record/4060887/files/{stamp}_ga_voting.csv", undl(roll_calls, votes))
    listing = [
        {"name": f"{stamp}_ga_voting", "format": ".csv", "url": f"/record/4060887/files/{stamp}_ga_voting.csv"},
        {"name": f"{stamp}_ga_voting_md", "format": ".md", "url": f"/record/4060887/files/{stamp}_ga_voting_md.md"},
    ]
    _write(root, f"{UNDL}/api/v1/file", json.dumps(listing))
    file_id = 13642024 + release
    dataset = {
        "status": "OK",
        "data": {
            "id": 100,
            "latestVersion": {
                "versionNumber": 38 + release,
                "versionMinorNumber": 0,
                "versionState": "RELEASED",
                "releaseTime": f"2026-0{release}-03T15:02:11Z",
                "files": [
                    {
                        "label": "IdealpointsJuly2025.tab",
                        "dataFile": {
                            "id": file_id,
                            "filename": "IdealpointsJuly2025.tab",
                            "originalFileName": f"Idealpoints{'July2025' if release == 1 else 'July2026'}.dta",
                            "originalFileFormat": "application/x-stata",
                            "tabularData": True,
                        },
                    }
                ],
            },
        },
    }
    _write(root, f"{DATAVERSE}/api/datasets/:persistentId/", json.dumps(dataset))
    dta = ideal_points(shared / "unvotes" / "voeten_ideal_points" / "IdealpointsJuly2025.dta", release)
    _write(root, f"{DATAVERSE}/storage/{file_id}", dta)
    _write(root, WORLD_BANK, world_bank(shared / "gold" / "API_FI.RES.TOTL.CD_DS2_en_csv_v2_2475.csv", release))
    imf = shared / "gold" / "imf_ifs_gold_reserves_quarterly_fine_troy_oz_1950Q1-2019Q3.csv"
    _write(root, IMF, imf_gold(imf, release))
    return root


# -- the server ------------------------------------------------------------------------------


class PublisherHandler(http.server.BaseHTTPRequestHandler):
    """A publisher's server: subclasses ``answer`` a GET; each request's path is kept in
    ``server.requests``."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.answer()

    def answer(self) -> None:
        raise NotImplementedError

    def send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def publisher(handler: type[http.server.BaseHTTPRequestHandler], **state: object) -> Iterator[http.server.HTTPServer]:
    """A real HTTP server on 127.0.0.1 answering with handler; state becomes its attributes."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.requests = []
    for name, value in state.items():
        setattr(httpd, name, value)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def fiscal_page(rows: list[dict], query: dict[str, str]) -> dict:
    """A Fiscal Data API answer: filter record_date:eq:, sort -record_date, fields, then
    page[size] and page[number], links.next as a query fragment, meta.total-count."""
    if (wanted := query.get("filter", "")).startswith("record_date:eq:"):
        rows = [r for r in rows if r["record_date"] == wanted.removeprefix("record_date:eq:")]
    if query.get("sort") == "-record_date":
        rows = sorted(rows, key=lambda r: r["record_date"], reverse=True)
    if fields := query.get("fields"):
        rows = [{f: r.get(f) for f in fields.split(",")} for r in rows]
    size, number = int(query.get("page[size]", 100)), int(query.get("page[number]", 1))
    pages = max(1, -(-len(rows) // size))
    page = rows[(number - 1) * size : number * size]
    link = "&page%5Bnumber%5D={}&page%5Bsize%5D=" + str(size)
    return {
        "data": page,
        "meta": {"count": len(page), "total-count": len(rows), "total-pages": pages},
        "links": {"self": link.format(number), "next": link.format(number + 1) if number < pages else None},
    }


class Publishers(PublisherHandler):
    """GET /<host>/<path>?<query>, answered from the release folder ``server.root``."""

    def answer(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path, query = urllib.parse.unquote(parts.path).lstrip("/"), dict(urllib.parse.parse_qsl(parts.query))
        root: Path = self.server.root
        if path == FRED:
            path = f"{FRED}/{query.get('id', '')}"
        if path.startswith(f"{DATAVERSE}/api/access/datafile/"):
            self.send_response(303)  # to signed storage, as Dataverse does
            self.send_header("Location", f"/{DATAVERSE}/storage/{path.rsplit('/', 1)[1]}")
            self.end_headers()
            return None
        if path == IMF and "application/vnd.sdmx.data+csv" not in self.headers.get("Accept", ""):
            return self.send(406, b"NotAcceptable", "text/plain")
        if (root / f"{path}{ROUTED_SUFFIX}").exists():
            rows = json.loads((root / f"{path}{ROUTED_SUFFIX}").read_text())
            return self.send(200, json.dumps(fiscal_page(rows, query)).encode(), "application/json")
        target = root / path
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return self.send(404, b"Not Found", "text/plain")
        return self.send(200, target.read_bytes(), "application/octet-stream")


def serve(root: Path) -> contextlib.AbstractContextManager[http.server.HTTPServer]:
    """The publishers on 127.0.0.1, answering from root (which may be switched to another release)."""
    return publisher(Publishers, root=root)


if __name__ == "__main__":
    out, number = Path(sys.argv[1]), int(sys.argv[2])
    print(write_release(out, number, Path(sys.argv[3]) if len(sys.argv) > 3 else SHARED))
