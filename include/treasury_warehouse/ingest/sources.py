"""The source registry: the one place that declares what is fetched and how it is handled.

Adding a source is one entry here, one parser module, one suite module and one dbt
staging model; the ingest DAGs are generated from this list. This module imports
nothing heavy, so DAG files can read it at parse time.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from treasury_warehouse.ingest.quality import Check

ASSET_URI_PREFIX = "warehouse://published/"


@dataclass(frozen=True)
class Comparison:
    """How a new file is compared with the last published vintage of its source (the gate's
    second half, in ``treasury_warehouse.ingest.vintages``): no series or period may disappear,
    a value both files hold may move by at most max(absolute, relative x |published|), and a
    level series' new periods must be of the same scale as its published ones."""

    series: tuple[str, ...]  # columns naming one series: a holder, a table line, a country
    period: str  # the column saying which period (or roll call) a row is about
    values: tuple[str, ...] = ()  # compared columns; text columns must be equal
    relative: float = 0.0
    absolute: float = 0.0
    levels: bool = True  # positions (a scale jump is checked), not changes or scores
    why: str = ""  # where the tolerance comes from (README)
    # The publisher serves a moving window (the last five years): periods before the new
    # file's first one may go; everything after it may not.
    rolling_window: bool = False
    # Each file is one period's snapshot (a record date): only a file for a period already
    # published (a re-issue) is compared, with that period's published rows.
    snapshot: bool = False


# The units amounts come in, each the suffix of its column's name (a FRED series keeps its
# unit in a column of its own, its value column is "value").
UNITS = ("usd_bn", "usd_mn", "usd", "fine_troy_oz", "tonnes")


@dataclass(frozen=True)
class Measure:
    """An amount column of a source's parsed table: its unit and the range a value in that
    unit can take. The gate expects every value within the range (a value outside means
    the unit, the sign or the columns changed), and the source's dbt YAML declares the same
    unit and range on the column's meta (``tests/test_registry.py`` proves they agree)."""

    column: str
    unit: str
    minimum: float | None
    maximum: float | None
    why: str  # what the range rests on, in the unit

    def problems(self) -> list[str]:
        found = []
        if self.unit not in UNITS:
            found.append(f"measures: {self.column} unit {self.unit!r} is not one of {', '.join(UNITS)}")
        elif self.column != "value" and not self.column.endswith(f"_{self.unit}"):
            found.append(f"measures: {self.column} does not end in its unit, _{self.unit}")
        if self.minimum is None and self.maximum is None:
            found.append(f"measures: {self.column} has no bound")
        elif None not in (self.minimum, self.maximum) and self.minimum >= self.maximum:
            found.append(f"measures: {self.column} minimum {self.minimum} is not below maximum {self.maximum}")
        return found


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    publisher: str  # folder of a mirror laid out like the publishers: tic/, niip/, unvotes/, gold/
    file_name: str  # the file's name (and sub-folder) under that folder
    url: str | None  # keyless public URL; None where the publisher offers none (mirror only)
    schedule: str  # a cadence of orchestration.SCHEDULES: "nightly" or "weekly"
    parser: str  # "module:function" taking (bytes, file name) -> DataFrame
    suite: str  # "module:function" taking the parsed DataFrame -> list[Check]
    dbt_source: str  # "<dbt source>.<table>" the staging model reads
    staging_model: str
    # The parsed table's column saying which period a row is about (a date, or a year as
    # an integer): the last period a vintage covers, in meta.sources. None: no period.
    period_column: str | None = None
    compare: Comparison | None = None
    # The amount columns, each with its unit and bounds (the gate reads them from here).
    measures: tuple[Measure, ...] = ()
    # Fiscal Data's API pages its answers: follow links.next. A live answer in another
    # format than the mirror's file is landed as api_file_name (the mirror holds the
    # site's download, or an extract, under file_name); accept is the media type the
    # live request asks for (an Accept header).
    pages: bool = False
    api_file_name: str | None = None
    accept: str | None = None
    # Keyed APIs: the environment variable, or else the Airflow connection (its password),
    # that holds the key, and the query parameter it is sent in. Never logged or landed.
    api_key_env: str | None = None
    api_key_connection: str | None = None
    api_key_param: str | None = None
    # A publisher that lists its files (each release a new file name): url is the listing,
    # and "module:function" of treasury_warehouse.ingest.listings, taking the listing's bytes
    # and URL, names the newest file's URL and name; the file is landed under that name.
    listing: str | None = None
    # A source the marts are built without while nothing of it is published: it adds to
    # others (newer votes beside the historical ones) instead of being needed by them. Its
    # staging model is then built empty, and a mirror folder without its file skips it.
    optional_input: bool = False
    # Why a source has no keyless live path (a key, a registration wall, a file its publisher
    # withdrew and another source replaces): the night's summary and meta.sources say it.
    no_live_path: str | None = None

    def __post_init__(self) -> None:
        """The entry's schema: a registry mistake fails at import, naming the source and field."""
        problems = []
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            problems.append("name: lower-case letters, digits and _")
        if self.schedule not in (NIGHTLY, WEEKLY):
            problems.append(f"schedule: {NIGHTLY!r} or {WEEKLY!r}")
        for field in ("parser", "suite"):
            if not re.fullmatch(
                rf"treasury_warehouse\.ingest\.{field}s\.[a-z0-9_]+:[a-z_][a-z0-9_]*", getattr(self, field)
            ):
                problems.append(f"{field}: 'treasury_warehouse.ingest.{field}s.<module>:<function>'")
        if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", self.dbt_source):
            problems.append("dbt_source: '<dbt source>.<table>'")
        if not self.staging_model.startswith("stg_"):
            problems.append("staging_model: a staging model, stg_<publisher>__<table>")
        if self.url is not None and not re.match(r"https?://", self.url):
            problems.append("url: http(s), or None for a mirror-only source")
        if bool(self.api_key_env or self.api_key_connection) != bool(self.api_key_param):
            problems.append("api_key_param: with api_key_env/api_key_connection, and only then")
        if self.pages and not self.api_file_name:
            problems.append("pages: a paged API lands one document, named by api_file_name")
        if (self.api_file_name or self.accept) and self.url is None:
            problems.append("api_file_name, accept: for a live URL only")
        if self.listing is not None and not re.fullmatch(
            r"treasury_warehouse\.ingest\.listings:[a-z_][a-z0-9_]*", self.listing
        ):
            problems.append("listing: 'treasury_warehouse.ingest.listings:<function>'")
        if (self.url is None or self.api_key_env is not None) != (self.no_live_path is not None):
            problems.append("no_live_path: the reason, for a source without a keyless URL, and only then")
        if self.listing is not None and self.url is None:
            problems.append("listing: with the listing's url")
        for measure in self.measures:
            problems.extend(measure.problems())
        if problems:
            raise ValueError(f"source {self.name!r}: " + "; ".join(problems))

    @property
    def dbt_selector(self) -> str:
        """dbt selection of everything built on this source."""
        return f"source:{self.dbt_source}+"

    @property
    def asset_uri(self) -> str:
        return f"{ASSET_URI_PREFIX}{self.name}"

    def parse(self, content: bytes, file_name: str) -> pd.DataFrame:
        """The parsed table; every failure is a ParseError naming this source, the file and
        the rule (a library's own error, a pandas ParserError say, becomes rule 'layout')."""
        from treasury_warehouse.errors import ParseError

        try:
            return _load(self.parser)(content, file_name)
        except ParseError as exc:
            if exc.source == self.name:
                raise
            raise ParseError(self.name, exc.file, exc.rule, exc.detail) from exc
        except Exception as exc:  # re-raised, named, with the original chained
            detail = " ".join(str(exc).split()) or "no message"
            raise ParseError(self.name, file_name, "layout", f"{type(exc).__name__}: {detail}") from exc

    def checks(self, frame: pd.DataFrame) -> list[Check]:
        return _load(self.suite)(frame)


def _load(target: str) -> Callable:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


TIC_DOCUMENTS = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents"
# The unvotes R package's data files (Voeten's votes with ISO2 codes), as released.
UNVOTES_PACKAGE = "https://raw.githubusercontent.com/dgrtwo/unvotes/master/data"
# The same repository keeps Voeten's own Dataverse file (2016, sessions 1-70), from which the
# package was made: the roll-call file Dataverse no longer carries (withdrawn by version 38).
UNVOTES_RAW = "https://raw.githubusercontent.com/dgrtwo/unvotes/master/data-raw"
BEA_API = "https://apps.bea.gov/api/data"
FRED_CSV = "https://fred.stlouisfed.org/graph/fredgraph.csv?id="
FISCAL_API = "https://api.fiscaldata.treasury.gov/services/api/fiscal_service"
# The UN Digital Library's record "United Nations General Assembly Voting Data": its files,
# as the catalogue's file API lists them (one CSV per release, the date in its name).
UNDL_GA_VOTING_FILES = "https://digitallibrary.un.org/api/v1/file?recid=4060887"
# The External Wealth of Nations database's page at Brookings, which links each edition.
EWN_PAGE = "https://www.brookings.edu/articles/the-external-wealth-of-nations-database/"
# Harvard Dataverse's native API: Voeten's dataset, its latest published version and files.
VOETEN_DATASET = "https://dataverse.harvard.edu/api/datasets/:persistentId/?persistentId=doi:10.7910/DVN/LEJUQZ"
# The IMF's data API (SDMX 2.1 REST, keyless): International Liquidity, every economy's gold
# reserves in fine troy ounces, quarterly (key COUNTRY.INDICATOR.UNIT.FREQUENCY), as SDMX-CSV.
IMF_GOLD = "https://api.imf.org/external/sdmx/2.1/data/IMF.STA,IL/.RGV_REVS.FTO.Q?startPeriod=1950"
SDMX_CSV = "application/vnd.sdmx.data+csv;version=1.0.0;labels=both"
P = "treasury_warehouse.ingest.parsers"
Q = "treasury_warehouse.ingest.suites"
# Publishers release mid-month (TIC around the 15th-18th at 16:00 ET, BEA quarterly, the
# others irregularly); a nightly check lands nothing when the bytes are unchanged. The
# cadences' times are settings (orchestration.SCHEDULES).
# The US position in BEA's table and API, and its net in FRED's quarterly and annual series.
BEA_POSITIONS = Measure(
    "value_usd_mn",
    "usd_mn",
    -500_000_000,
    500_000_000,
    "US assets and liabilities are tens of $tn; beyond $500tn either way is another unit",
)
NET_POSITION = Measure(
    "value",
    "usd_mn",
    -100_000_000,
    10_000_000,
    "the net position was -$26tn in 2025; below -$100tn or above +$10tn is another unit or sign",
)
# The US assets and liabilities (FRED's IIPUSASSQ, IIPUSLIAQ), millions of dollars.
US_GROSS_POSITION = Measure(
    "value",
    "usd_mn",
    0,
    500_000_000,
    "US assets were about $36tn and liabilities $62tn at end 2024; above $500tn, or negative, is another unit",
)
# Fiscal Data's amounts are in $mn.
FISCAL_RANGE = "the whole public debt was about $39tn in 2026; above $200tn is dollars read as millions"
NIGHTLY = "nightly"
WEEKLY = "weekly"


def fred(
    series: str, what: str, measure: Measure, relative: float, why: str, *, optional_input: bool = False
) -> Source:
    """A FRED series download (fredgraph.csv): one source per series, all read by stg_fred__series."""
    return Source(
        name=f"fred_{series.lower()}",
        title=f"FRED {series}, {what}",
        publisher="niip",
        file_name=f"{series}.csv",
        url=f"{FRED_CSV}{series}",
        optional_input=optional_input,
        schedule=NIGHTLY,
        parser=f"{P}.fred:parse",
        suite=f"{Q}.fred:checks",
        dbt_source="fred.series",
        staging_model="stg_fred__series",
        period_column="observation_date",
        measures=(measure,),
        compare=Comparison(("series_id",), "observation_date", ("value",), relative=relative, why=why),
    )


SOURCES: dict[str, Source] = {
    source.name: source
    for source in [
        Source(
            name="tic_mfh",
            title="TIC major foreign holders of Treasury securities (history)",
            publisher="tic",
            file_name="mfhhis01.txt",
            url=f"{TIC_DOCUMENTS}/mfhhis01.txt",
            schedule=NIGHTLY,
            parser=f"{P}.tic_mfh:parse",
            suite=f"{Q}.tic_mfh:checks",
            dbt_source="tic.major_foreign_holders",
            staging_model="stg_tic__major_foreign_holders",
            period_column="period_month",
            measures=(
                Measure(
                    "holdings_usd_bn",
                    "usd_bn",
                    0,
                    20_000,
                    "all foreign holdings were ~$9,300bn in 2025; one row above $20tn is another unit or a column slip",
                ),
            ),
            compare=Comparison(
                ("country", "series"),
                "period_month",
                ("holdings_usd_bn",),
                relative=0.10,
                absolute=1.0,
                why="monthly releases revise recent months by a few $bn; the yearly benchmark needs force",
            ),
        ),
        Source(
            name="tic_slt",
            title="TIC SLT Table 1: long-term securities held by foreign residents",
            publisher="tic",
            file_name="slt_table1.txt",
            url=f"{TIC_DOCUMENTS}/slt_table1.txt",
            schedule=NIGHTLY,
            parser=f"{P}.tic_slt:parse",
            suite=f"{Q}.tic_slt:checks",
            dbt_source="tic.slt_table1",
            staging_model="stg_tic__slt_holdings",
            period_column="period_month",
            measures=tuple(
                Measure(
                    f"for_lt_{a}_pos_usd_mn",
                    "usd_mn",
                    0,
                    100_000_000,
                    "foreign long-term holdings of all US securities were ~$34tn in 2026; above $100tn is another unit",
                )
                for a in ("total", "treas", "agcy", "corp", "eqty")
            ),
            compare=Comparison(
                ("country_code",),
                "period_month",
                tuple(f"for_lt_{a}_pos_usd_mn" for a in ("total", "treas", "agcy", "corp", "eqty")),
                relative=0.10,
                absolute=500.0,
                why="positions are revised for a year after release; the yearly benchmark needs force",
            ),
        ),
        Source(
            name="tic_shl",
            title="TIC annual survey: foreign holdings of US securities",
            publisher="tic",
            file_name="shlhistdat.txt",
            url=f"{TIC_DOCUMENTS}/shlhistdat.txt",
            schedule=WEEKLY,
            parser=f"{P}.tic_shl:parse",
            suite=f"{Q}.tic_shl:checks",
            dbt_source="tic.annual_survey",
            staging_model="stg_tic__annual_survey_holdings",
            period_column="survey_date",
            measures=(
                Measure(
                    "holdings_usd_mn",
                    "usd_mn",
                    0,
                    100_000_000,
                    "all foreign holdings of US securities were about $31tn in 2024; above $100tn is another unit",
                ),
            ),
            compare=Comparison(
                ("country_code", "maturity", "asset_class"),
                "survey_date",
                ("holdings_usd_mn",),
                relative=0.05,
                absolute=100.0,
                why="a survey is final when published; reclassifications are small",
            ),
        ),
        Source(
            name="bea_iip_table",
            title="BEA Table 1.2, US net international investment position (download)",
            publisher="niip",
            file_name="bea_iip_table1.2_annual_release_2023-06-28.csv",
            url=None,
            no_live_path="BEA publishes Table 1.2 in its interactive tables only;"
            " the BEA API (with a key) and FRED's IIPUSASSQ, IIPUSLIAQ and IIPUSNETIQ carry the position forward",
            schedule=WEEKLY,
            parser=f"{P}.bea_iip:parse",
            suite=f"{Q}.bea_iip:checks",
            dbt_source="bea.iip_table",
            staging_model="stg_bea__iip_table",
            period_column="period_end",
            measures=(BEA_POSITIONS,),
            compare=Comparison(
                ("table_line",),
                "period_end",
                ("value_usd_mn",),
                relative=0.05,
                absolute=10_000.0,
                why="quarterly releases revise recent quarters; the June annual update needs force",
            ),
        ),
        Source(
            name="bea_iip_api",
            title="BEA API, dataset IIP: US net position, assets and liabilities by quarter and year",
            publisher="niip",
            file_name="bea_iip_api.json",
            url=f"{BEA_API}?method=GetData&DataSetName=IIP&TypeOfInvestment=Net,FinAssets,FinLiabs"
            "&Component=Pos&Frequency=A,QNSA&Year=ALL&ResultFormat=JSON",
            no_live_path="BEA's API needs a registered key (BEA_API_KEY or the Airflow connection bea_api);"
            " FRED's keyless series carry the position forward without one",
            schedule=WEEKLY,
            parser=f"{P}.bea_iip:parse_api",
            suite=f"{Q}.bea_iip:checks_api",
            dbt_source="bea.iip_api",
            staging_model="stg_bea__iip_api",
            period_column="period_end",
            api_key_env="BEA_API_KEY",
            api_key_connection="bea_api",
            api_key_param="UserID",
            measures=(BEA_POSITIONS,),
            compare=Comparison(
                ("type_of_investment", "frequency"),
                "period_end",
                ("value_usd_mn",),
                relative=0.05,
                absolute=10_000.0,
                why="as the BEA table",
            ),
        ),
        fred(
            "IIPUSNETIQ",
            "US net international investment position",
            NET_POSITION,
            0.05,
            "BEA's quarterly revisions; the June annual update needs force",
        ),
        # Not in the shared corpus: skipped in a mirror folder without them.
        fred(
            "IIPUSASSQ",
            "US assets abroad (international investment position, quarterly)",
            US_GROSS_POSITION,
            0.05,
            "BEA's quarterly revisions; the June annual update needs force",
            optional_input=True,
        ),
        fred(
            "IIPUSLIAQ",
            "US liabilities to foreigners (international investment position, quarterly)",
            US_GROSS_POSITION,
            0.05,
            "BEA's quarterly revisions; the June annual update needs force",
            optional_input=True,
        ),
        fred(
            "FDHBFIN",
            "federal debt held by foreign and international investors",
            Measure(
                "value",
                "usd_bn",
                0,
                50_000,
                "about $9,000bn in 2025: a holding is never negative, and $50tn is no longer $bn",
            ),
            0.01,
            "TIC revisions move a quarter by $0.4-2.1bn of ~$6,000bn",
        ),
        fred(
            "IIPUSNETIA",
            "US net international investment position (annual)",
            NET_POSITION,
            0.05,
            "BEA's annual update revises recent years; a benchmark needs force",
        ),
        fred(
            "ROWTSEA027N",
            "rest of the world: Treasury securities held (Z.1, annual)",
            Measure(
                "value",
                "usd_mn",
                0,
                100_000_000,
                "Z.1: the rest of the world held about $8.6tn of Treasuries in 2024; above $100tn is another unit",
            ),
            0.05,
            "the Financial Accounts revise recent years each quarter",
        ),
        Source(
            name="fiscal_mspd_summary",
            title="Monthly Statement of the Public Debt: summary of Treasury securities outstanding",
            publisher="fiscal",
            file_name="MSPD_SumSecty_20010131_20260531.csv",
            url=f"{FISCAL_API}/v1/debt/mspd/mspd_table_1?fields=record_date,security_type_desc,"
            "security_class_desc,debt_held_public_mil_amt,intragov_hold_mil_amt,total_mil_amt"
            "&sort=record_date&page[size]=10000",
            schedule=NIGHTLY,
            parser=f"{P}.fiscal:parse_mspd_summary",
            suite=f"{Q}.fiscal:checks_mspd_summary",
            dbt_source="fiscal.mspd_summary",
            staging_model="stg_fiscal__mspd_summary",
            period_column="record_date",
            pages=True,
            api_file_name="mspd_table_1.json",
            measures=tuple(
                Measure(c, "usd_mn", 0, 200_000_000, FISCAL_RANGE)
                for c in ("held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn")
            ),
            compare=Comparison(
                ("security_type", "security_class"),
                "record_date",
                ("held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"),
                relative=0.005,
                absolute=1.0,
                why="a month's statement is final; restatements are rounding",
            ),
        ),
        Source(
            name="fiscal_mspd_detail",
            title="Monthly Statement of the Public Debt, Table III: every marketable security and its maturity",
            publisher="fiscal",
            file_name="mspd_table_3_record_date_2026-09-30.json",
            url=f"{FISCAL_API}/v1/debt/mspd/mspd_table_3?fields=record_date,security_type_desc,"
            "security_class1_desc,security_class2_desc,maturity_date,outstanding_amt"
            "&filter=record_date:eq:{latest_record_date}&page[size]=10000",
            schedule=NIGHTLY,
            parser=f"{P}.fiscal:parse_mspd_detail",
            suite=f"{Q}.fiscal:checks_mspd_detail",
            dbt_source="fiscal.mspd_detail",
            staging_model="stg_fiscal__mspd_detail",
            period_column="record_date",
            pages=True,
            api_file_name="mspd_table_3.json",
            measures=(Measure("outstanding_usd_mn", "usd_mn", 0, 200_000_000, FISCAL_RANGE),),
            compare=Comparison(
                ("security_class", "line_label", "maturity_date"),
                "record_date",
                ("outstanding_usd_mn",),
                relative=0.005,
                absolute=0.01,
                snapshot=True,
                why="a month's statement is final; each record date is a snapshot of its own",
            ),
        ),
        Source(
            name="fiscal_debt_penny",
            title="Debt to the Penny: total public debt outstanding, daily",
            publisher="fiscal",
            file_name="DebtPenny_20200307_20250306.csv",
            url=f"{FISCAL_API}/v2/accounting/od/debt_to_penny?fields=record_date,debt_held_public_amt,"
            "intragov_hold_amt,tot_pub_debt_out_amt&sort=record_date&page[size]=10000",
            schedule=NIGHTLY,
            parser=f"{P}.fiscal:parse_debt_penny",
            suite=f"{Q}.fiscal:checks_debt_penny",
            dbt_source="fiscal.debt_penny",
            staging_model="stg_fiscal__debt_penny",
            period_column="record_date",
            pages=True,
            api_file_name="debt_to_penny.json",
            measures=tuple(
                Measure(c, "usd_mn", 0, 200_000_000, FISCAL_RANGE)
                for c in ("held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn")
            ),
            compare=Comparison(
                (),
                "record_date",
                ("held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"),
                relative=0.002,
                absolute=0.01,
                rolling_window=True,
                why="restatements are rare and small; the download is a moving five-year window",
            ),
        ),
        Source(
            name="ewn",
            title="External Wealth of Nations (Lane and Milesi-Ferretti): positions by country and year",
            publisher="niip",
            file_name="EWN-dataset_12-2022.xlsx",
            url=EWN_PAGE,
            listing="treasury_warehouse.ingest.listings:brookings_ewn",
            schedule=WEEKLY,
            parser=f"{P}.gold:parse_ewn",
            suite=f"{Q}.gold:checks_ewn",
            dbt_source="ewn.dataset",
            staging_model="stg_ewn__positions",
            period_column="year",
            measures=(
                Measure(
                    "total_liabilities_usd_mn",
                    "usd_mn",
                    0,
                    1_000_000_000,
                    "the largest, the US's, were about $50tn in 2022; above $1,000tn is another unit",
                ),
                Measure(
                    "fx_reserves_excl_gold_usd_mn",
                    "usd_mn",
                    0,
                    100_000_000,
                    "China holds ~$3.2tn; above $100tn, or negative (but for listed publisher errors), is another unit",
                ),
            ),
            compare=Comparison(
                ("country_name",),
                "year",
                ("total_liabilities_usd_mn", "fx_reserves_excl_gold_usd_mn"),
                relative=0.05,
                absolute=100.0,
                why="a new edition revises recent years a little",
            ),
        ),
        Source(
            name="un_roll_calls",
            title="UN General Assembly roll calls (unvotes layout)",
            publisher="unvotes",
            file_name="unvotes_r_package/un_roll_calls.rda",
            url=f"{UNVOTES_PACKAGE}/un_roll_calls.rda",
            schedule=WEEKLY,
            parser=f"{P}.unvotes:parse_roll_calls",
            suite=f"{Q}.unvotes:checks_roll_calls",
            dbt_source="unvotes.roll_calls",
            staging_model="stg_unvotes__roll_calls",
            period_column="vote_date",
            compare=Comparison(("rcid",), "vote_date", why="a roll call, once held, keeps its date"),
        ),
        Source(
            name="un_votes",
            title="UN General Assembly votes by country (unvotes layout)",
            publisher="unvotes",
            file_name="unvotes_r_package/un_votes.rda",
            url=f"{UNVOTES_PACKAGE}/un_votes.rda",
            schedule=WEEKLY,
            parser=f"{P}.unvotes:parse_votes",
            suite=f"{Q}.unvotes:checks_votes",
            dbt_source="unvotes.votes",
            staging_model="stg_unvotes__votes",
            compare=Comparison(("country_name",), "rcid", ("vote",), levels=False, why="a cast vote never changes"),
        ),
        Source(
            name="un_votes_undl",
            title="UN General Assembly votes (UN Digital Library voting data)",
            publisher="unvotes",
            file_name="undl/ga_voting.csv",
            url=UNDL_GA_VOTING_FILES,
            listing="treasury_warehouse.ingest.listings:undl_ga_voting",
            optional_input=True,
            schedule=WEEKLY,
            parser=f"{P}.unvotes:parse_undl_votes",
            suite=f"{Q}.unvotes:checks_undl_votes",
            dbt_source="undl.votes",
            staging_model="stg_undl__votes",
            period_column="vote_date",
            compare=Comparison(("country_code",), "rcid", ("vote",), levels=False, why="a cast vote never changes"),
        ),
        Source(
            name="un_votes_voeten",
            title="UN General Assembly votes 1946-2015 (Voeten's file, COW codes)",
            publisher="unvotes",
            file_name="voeten_unvotes_2016/UNVotesPublished.RData",
            url=f"{UNVOTES_RAW}/UNVotesPublished.RData",
            schedule=WEEKLY,
            parser=f"{P}.unvotes:parse_voeten_votes",
            suite=f"{Q}.unvotes:checks_voeten_votes",
            dbt_source="voeten.votes",
            staging_model="stg_voeten__votes",
            period_column="vote_date",
            compare=Comparison(("country_code",), "rcid", ("vote",), levels=False, why="a cast vote never changes"),
        ),
        Source(
            name="un_ideal_points",
            title="UN General Assembly ideal points (Bailey, Strezhnev and Voeten)",
            publisher="unvotes",
            file_name="voeten_ideal_points/IdealpointsJuly2025.dta",
            url=VOETEN_DATASET,
            listing="treasury_warehouse.ingest.listings:dataverse_ideal_points",
            schedule=WEEKLY,
            parser=f"{P}.unvotes:parse_ideal_points",
            suite=f"{Q}.unvotes:checks_ideal_points",
            dbt_source="voeten.ideal_points",
            staging_model="stg_voeten__ideal_points",
            period_column="year",
            compare=Comparison(
                ("ccode",),
                "year",
                ("ideal_point_final_passage",),
                absolute=0.5,
                levels=False,
                why="each edition re-estimates every score; a move above 0.5 is a new model, not a revision",
            ),
        ),
        Source(
            name="wb_reserves",
            title="World Bank total reserves including gold (FI.RES.TOTL.CD)",
            publisher="gold",
            file_name="API_FI.RES.TOTL.CD_DS2_en_csv_v2_2475.csv",
            url="https://api.worldbank.org/v2/en/indicator/FI.RES.TOTL.CD?downloadformat=csv",
            schedule=WEEKLY,
            parser=f"{P}.gold:parse_wb_indicator",
            suite=f"{Q}.gold:checks_wb_indicator",
            dbt_source="worldbank.total_reserves",
            staging_model="stg_worldbank__total_reserves",
            period_column="year",
            measures=(
                Measure(
                    "value_usd",
                    "usd",
                    0,
                    1e14,
                    "China holds ~$3.5tn; above $100tn, or negative (but for listed publisher errors), is not US$",
                ),
            ),
            compare=Comparison(
                ("country_code",),
                "year",
                ("value_usd",),
                relative=0.05,
                absolute=1e8,
                why="WDI revises recent years as countries report",
            ),
        ),
        Source(
            name="imf_gold",
            title="IMF official gold reserves, fine troy ounces, quarterly (IL dataflow; IFS extract in a mirror)",
            publisher="gold",
            file_name="imf_ifs_gold_reserves_quarterly_fine_troy_oz_1950Q1-2019Q3.csv",
            url=IMF_GOLD,
            api_file_name="imf_il_gold_reserves_quarterly.csv",
            accept=SDMX_CSV,
            schedule=WEEKLY,
            parser=f"{P}.gold:parse_imf_gold",
            suite=f"{Q}.gold:checks_imf_gold",
            dbt_source="imf.gold_reserves",
            staging_model="stg_imf__gold_reserves",
            period_column="period_end",
            measures=(
                Measure(
                    "gold_fine_troy_oz",
                    "fine_troy_oz",
                    0,
                    2_000_000_000,
                    "world official gold is about 1.1bn oz; one holder above 2bn oz is grams or kilograms",
                ),
            ),
            compare=Comparison(
                ("country_name",),
                "period_end",
                ("gold_fine_troy_oz",),
                relative=0.01,
                absolute=10_000.0,
                why="reported gold holdings are rarely revised",
            ),
        ),
        Source(
            name="wgc_gold_changes",
            title="World Gold Council changes in central-bank gold (tonnes)",
            publisher="gold",
            file_name="Changes_latest_as_of_Sep2024_IFS.xlsx",
            url=None,
            no_live_path="the World Gold Council's Goldhub files need a registered login;"
            " imf_gold carries official gold forward",
            schedule=WEEKLY,
            parser=f"{P}.gold:parse_wgc_changes",
            suite=f"{Q}.gold:checks_wgc_changes",
            dbt_source="wgc.gold_changes",
            staging_model="stg_wgc__gold_changes",
            period_column="period_start",
            measures=(
                Measure(
                    "change_tonnes",
                    "tonnes",
                    -2_000,
                    2_000,
                    "the largest yearly change any holder reported is about 700 t",
                ),
            ),
            compare=Comparison(
                ("country_name", "frequency"),
                "period_start",
                ("change_tonnes",),
                relative=0.10,
                absolute=1.0,
                levels=False,
                why="changes follow revisions of IFS holdings by a tonne or so",
            ),
        ),
    ]
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; registered: {', '.join(sorted(SOURCES))}") from None
