"""The questions the warehouse exists for, answered from the published marts alone, each
beside the figure a publication printed (MISSION.md), so the distance is visible.

``python -m treasury_warehouse answers`` prints them; every number is a query on a mart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from treasury_warehouse.report.nightly import INCLUDES_PRICE_MOVES


@dataclass(frozen=True)
class Answer:
    question: str
    warehouse: str  # the answer from the marts, with its period and basis
    published: str  # what a publication printed, or "" where none was


def _bn(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.1f}bn"


def _tn(value_usd_bn: float) -> str:
    return f"{'-' if value_usd_bn < 0 else ''}${abs(value_usd_bn) / 1e3:,.2f}tn"


def _bloc_year(con: duckdb.DuckDBPyConnection, bloc: str, method: str, year: int) -> tuple[float | None, float]:
    """The bloc's net purchases in the year by the method, and the custodial centres' part."""
    row = con.execute(
        "select net_purchases_usd_bn, custodial_centres_net_purchases_usd_bn"
        " from marts.fct_bloc_flows_by_method_yearly where bloc = ? and method = ? and year = ?",
        [bloc, method, year],
    ).fetchone()
    return (row[0], row[1]) if row else (None, 0.0)


def _bloc_flows(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    answers = []
    for bloc, published in [("most_aligned", "+463.9bn"), ("neutral", ""), ("least_aligned", "-125.24bn")]:
        reported, _ = _bloc_year(con, bloc, "reported_net_purchases", year)
        best, custodial = _bloc_year(con, bloc, "best_available", year)
        through = f" (custodial centres {_bn(custodial)} of it)" if custodial else ""
        answers.append(
            Answer(
                f"{year} net purchases of Treasuries, {bloc.replace('_', '-')} countries",
                f"{_bn(reported)} reported transactions; {_bn(best)} best available{through}",
                published,
            )
        )
    return answers


def _non_allies(con: duckdb.DuckDBPyConnection, first: int, last: int) -> Answer:
    total, bases = con.execute(
        "with years as (select * from marts.fct_bloc_flows_yearly"
        " where bloc in ('neutral', 'least_aligned') and year between ? and ?),"
        " bases as (select distinct unnest(string_split(bases, ', ')) as basis from years)"
        " select (select sum(net_purchases_usd_bn) from years), (select string_agg(basis, ', ' order by basis)"
        " from bases)",
        [first, last],
    ).fetchone()
    return Answer(
        f"{first}-{last} net purchases, neutral + least-aligned",
        f"{_bn(total)} best available ({bases})",
        "-673bn",
    )


def _named(name: str, value: float, price_moves: bool, best: bool) -> str:
    """A holder and its figure; a best-available one built from changes in holdings says so."""
    return f"{name} {_bn(value)}" + (" (holdings change, price moves included)" if price_moves and best else "")


def _leaders(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    answers = []
    bases = [("reported_net_purchases_usd_bn", "reported"), ("best_available_net_purchases_usd_bn", "best")]
    for column, basis in bases:
        # The column comes from the list above, not from input. A best-available figure with
        # months of changes in holdings includes price moves: it says so.
        ranked = con.execute(
            f"select holder_name, sum({column}) as bought,"  # noqa: S608
            f" bool_or({INCLUDES_PRICE_MOVES}) as includes_price_moves"
            " from marts.fct_country_flows_monthly"
            " where year(period_month) = ? group by holder_name having bought is not null order by bought desc",
            [year],
        ).fetchall()

        buyers = ", ".join(_named(*row, basis == "best") for row in ranked[:3])
        sellers = ", ".join(_named(*row, basis == "best") for row in ranked[::-1][:4])
        answers.append(Answer(f"{year} top three buyers ({basis})", buyers, "UK, Canada, Japan"))
        answers.append(Answer(f"{year} top four sellers ({basis})", sellers, "China, India, Brazil, then Belgium"))
    return answers


def _china_low(con: duckdb.DuckDBPyConnection) -> Answer:
    row = con.execute(
        "select period_month, holdings_usd_bn, lowest_since_month from marts.fct_holder_records_monthly"
        " where iso3 = 'CHN' and period_month = (select max(period_month) from marts.fct_holder_records_monthly"
        " where iso3 = 'CHN')"
    ).fetchone()
    if row is None:
        return Answer("China's holdings: lowest since", "no data", "lowest since 2008")
    month, holdings, since = row
    return Answer(
        f"China's holdings in {month:%Y-%m} ({holdings:,.1f}bn): lowest since",
        "on record" if since is None else f"{since:%Y-%m} (last month with holdings at or below)",
        "lowest since 2008",
    )


def _europe(con: duckdb.DuckDBPyConnection) -> list[Answer]:
    rows = con.execute(
        "select region_name, asset_class, period_month, holdings_usd_bn, publisher_eu_memo_usd_bn"
        " from marts.fct_region_securities_holdings_monthly"
        " where region_name in ('Total Europe', 'European Union (members on the date)')"
        " and asset_class in ('treasury', 'corporate_bond', 'equity')"
        " and period_month = (select max(period_month) from marts.fct_region_securities_holdings_monthly)"
        " order by region_name desc, asset_class desc"
    ).fetchall()
    answers = []
    for region, asset, month, holdings, memo in rows:
        memo_text = f" (SLT's EU memo line {memo:,.1f}bn)" if memo is not None else ""
        answers.append(
            Answer(
                f"{region}: {asset.replace('_', ' ')} holdings, {month:%Y-%m}",
                f"{holdings:,.1f}bn{memo_text}",
                "trillions" if region == "Total Europe" else "",
            )
        )
    return answers


def _europe_share(con: duckdb.DuckDBPyConnection, year: int) -> Answer:
    europe, world = con.execute(
        "select sum(net_purchases_usd_bn) filter (where region_name = 'Total Europe'),"
        " sum(net_purchases_usd_bn) filter (where region_kind = 'grand_total')"
        " from marts.fct_region_securities_holdings_monthly where asset_class = 'treasury' and year(period_month) = ?",
        [year],
    ).fetchone()
    share = f"{europe / world:.0%} ({_bn(europe)} of {_bn(world)})" if europe is not None and world else "n/a"
    return Answer(f"Europe's share of foreign net purchases of long-term Treasuries, {year}", share, "80%")


def _sensitivity(con: duckdb.DuckDBPyConnection, year: int) -> Answer:
    low, high, definitions = con.execute(
        "select min(net_purchases_usd_bn), max(net_purchases_usd_bn), count(*)"
        " from marts.fct_bloc_flows_sensitivity where bloc = 'most_aligned' and year = ?",
        [year],
    ).fetchone()
    return Answer(
        f"{year} most-aligned net purchases across bloc definitions",
        f"{_bn(low)} to {_bn(high)} over {definitions} definitions",
        "+463.9bn",
    )


def _records(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    answers = []
    for bloc, published in [
        ("most_aligned", "largest annual net purchase since at least 2016"),
        ("least_aligned", "largest sale in six years"),
    ]:
        row = con.execute(
            "select net_purchases_usd_bn, largest_purchase_since_year, is_largest_purchase_on_record,"
            " largest_sale_since_year, is_largest_sale_on_record, first_year_on_record"
            " from marts.fct_bloc_records_yearly where bloc = ? and year = ?",
            [bloc, year],
        ).fetchone()
        if row is None:
            continue
        value, purchase_since, purchase_record, sale_since, sale_record, first = row
        if purchase_record or sale_record:
            text = f"largest {'purchase' if purchase_record else 'sale'} since at least {first}"
        elif purchase_since is not None:
            text = f"largest purchase since {purchase_since}"
        else:
            text = f"largest sale since {sale_since}"
        question = f"{year} {bloc.replace('_', '-')} ({_bn(value)}, best available): a record?"
        answers.append(Answer(question, text, published))
    return answers


def _has(con: duckdb.DuckDBPyConnection, mart: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?", [mart]
    ).fetchone()
    return bool(found and found[0])


def _supply(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    """Marketable debt and its foreign share, the coming maturities, the external position."""
    rows = []
    if _has(con, "fct_treasury_supply_monthly"):
        found = con.execute(
            "select period_month, marketable_usd_bn, foreign_usd_bn, marketable_foreign_share"
            " from marts.fct_treasury_supply_monthly where foreign_usd_bn is not null"
            " order by period_month desc limit 1"
        ).fetchone()
        if found:
            month, marketable, foreign, share = found
            rows.append(
                Answer(
                    f"Marketable Treasury debt and the foreign share, {month:%b %Y}",
                    f"{_tn(marketable)} outstanding; foreigners hold {_tn(foreign)} ({share:.1%})",
                    "",
                )
            )
    if _has(con, "fct_treasury_maturities_yearly"):
        found = con.execute(
            "select any_value(record_date), sum(maturing_usd_bn), bool_and(is_partial_year)"
            " from marts.fct_treasury_maturities_yearly where is_latest_record_date and maturity_year = ?",
            [year + 1],
        ).fetchone()
        if found and found[0] is not None:
            record_date, maturing, partial = found
            note = f" (only what matures after the {record_date:%Y-%m-%d} snapshot)" if partial else ""
            rows.append(
                Answer(
                    f"Marketable debt maturing in {year + 1}",
                    f"{_tn(maturing)}{note}",
                    "about $8tn" if year + 1 == 2026 else "",
                )
            )
    if _has(con, "fct_niip"):
        found = con.execute(
            "select net_usd_bn, source_table from marts.fct_niip_preferred where period_end = make_date(?, 12, 31)",
            [year - 1],
        ).fetchone()
        if found:
            rows.append(
                Answer(
                    f"US net international investment position, end {year - 1}",
                    f"{_tn(found[0])} ({found[1]})",
                    "roughly -$26tn to -$28tn",
                )
            )
    return rows


def answers(warehouse_path: Path, year: int = 2025) -> list[Answer]:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return [
            *_bloc_flows(con, year),
            _non_allies(con, 2016, year),
            *_leaders(con, year),
            _china_low(con),
            *_europe(con),
            _europe_share(con, year),
            _sensitivity(con, year),
            *_records(con, year),
            *_supply(con, year),
        ]


def render(rows: list[Answer]) -> str:
    lines = ["| question | warehouse | published |", "|---|---|---|"]
    lines += [f"| {a.question} | {a.warehouse} | {a.published or '-'} |" for a in rows]
    return "\n".join(lines)
