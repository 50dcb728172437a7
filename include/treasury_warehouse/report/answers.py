"""The questions the warehouse exists for, answered from the published marts alone, each
beside the figure a publication printed (MISSION.md), so the distance is visible.

``python -m treasury_warehouse answers`` prints them; every number is read from a report model
(schema report, dbt_project/models/reports, declared as the exposure answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Answer:
    question: str
    warehouse: str  # the answer from the marts, with its period and basis
    published: str  # what a publication printed, or "" where none was


def _bn(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.1f}bn"


def _tn(value_usd_bn: float) -> str:
    return f"{'-' if value_usd_bn < 0 else ''}${abs(value_usd_bn) / 1e3:,.2f}tn"


def _carried_forward(con: duckdb.DuckDBPyConnection) -> list[Answer]:
    """How many countries, and what share of holdings, rest on carried-forward alignment."""
    row = con.execute(
        "select period_month, countries_counted, carried_forward_countries, carried_forward_share,"
        " latest_measured_year from report.rpt_alignment_coverage_latest"
    ).fetchone()
    if row is None:
        return []
    month, counted, carried, share, measured = row
    return [
        Answer(
            f"Blocs resting on carried-forward alignment, {month:%b %Y}",
            f"{carried} of {counted} countries, {share:.0%} of foreign holdings; newest votes measured: {measured}",
            "",
        )
    ]


def _bloc_flows(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    answers = []
    for bloc, published in [("most_aligned", "+463.9bn"), ("neutral", ""), ("least_aligned", "-125.24bn")]:
        row = con.execute(
            "select reported_net_purchases_usd_bn, best_available_net_purchases_usd_bn,"
            " custodial_centres_net_purchases_usd_bn from report.rpt_bloc_flows_yearly where bloc = ? and year = ?",
            [bloc, year],
        ).fetchone()
        reported, best, custodial = row or (None, None, 0.0)
        through = f" (custodial centres {_bn(custodial)} of it)" if custodial else ""
        answers.append(
            Answer(
                f"{year} net purchases of Treasuries, {bloc.replace('_', '-')} countries",
                f"{_bn(reported)} reported transactions; {_bn(best)} best available{through}",
                published,
            )
        )
    return answers


def _non_allies(con: duckdb.DuckDBPyConnection, year: int) -> Answer:
    """Neutral and least-aligned net purchases from the first year the bloc marts cover."""
    rows = con.execute(
        "select first_year_on_record, cumulative_best_available_net_purchases_usd_bn, cumulative_bases"
        " from report.rpt_bloc_flows_yearly where bloc in ('neutral', 'least_aligned') and year = ?",
        [year],
    ).fetchall()
    first = min((r[0] for r in rows if r[0] is not None), default=None)
    total = sum(r[1] for r in rows if r[1] is not None) if rows else None
    bases = ", ".join(sorted({b for r in rows for b in (r[2] or "").split(", ") if b}))
    return Answer(
        f"{first or '?'}-{year} net purchases, neutral + least-aligned",
        f"{_bn(total)} best available ({bases})",
        "-673bn",
    )


def _named(name: str, value: float, price_moves: bool, best: bool) -> str:
    """A holder and its figure; a best-available one built from changes in holdings says so."""
    return f"{name} {_bn(value)}" + (" (holdings change, price moves included)" if price_moves and best else "")


def _leaders(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    answers = []
    for basis, amount, buyer, seller in [
        ("reported", "reported_net_purchases_usd_bn", "reported_buyer_rank", "reported_seller_rank"),
        ("best", "best_available_net_purchases_usd_bn", "best_available_buyer_rank", "best_available_seller_rank"),
    ]:
        # The column names come from the list above, not from input.
        def ranked(rank: str, n: int, amount: str = amount) -> list[tuple]:
            return con.execute(
                f"select holder_name, {amount}, includes_price_moves from report.rpt_country_flows_yearly"  # noqa: S608
                f" where year = ? and {rank} <= ? order by {rank}",
                [year, n],
            ).fetchall()

        buyers = ", ".join(_named(*row, basis == "best") for row in ranked(buyer, 3))
        sellers = ", ".join(_named(*row, basis == "best") for row in ranked(seller, 4))
        answers.append(Answer(f"{year} top three buyers ({basis})", buyers, "UK, Canada, Japan"))
        answers.append(Answer(f"{year} top four sellers ({basis})", sellers, "China, India, Brazil, then Belgium"))
    return answers


def _china_low(con: duckdb.DuckDBPyConnection) -> Answer:
    row = con.execute(
        "select period_month, holdings_all_maturities_usd_bn, lowest_since_month"
        " from report.rpt_holder_records_latest where iso3 = 'CHN'"
    ).fetchone()
    if row is None:
        return Answer("China's holdings: lowest since", "no data", "lowest since 2008")
    month, holdings, since = row
    return Answer(
        f"China's holdings (all maturities) in {month:%Y-%m} ({holdings:,.1f}bn): lowest since",
        "on record" if since is None else f"{since:%Y-%m} (last month with holdings at or below)",
        "lowest since 2008",
    )


def _europe(con: duckdb.DuckDBPyConnection) -> list[Answer]:
    rows = con.execute(
        "select region_name, asset_class, period_month, long_term_holdings_usd_bn,"
        " eu_memo_line_long_term_holdings_usd_bn from report.rpt_europe_securities_latest"
        " order by region_name desc, asset_class desc"
    ).fetchall()
    answers = []
    for region, asset, month, holdings, memo in rows:
        memo_text = f" (SLT's EU memo line {memo:,.1f}bn)" if memo is not None else ""
        answers.append(
            Answer(
                f"{region}: long-term {asset.replace('_', ' ')} holdings, {month:%Y-%m}",
                f"{holdings:,.1f}bn{memo_text}",
                "trillions" if region == "Total Europe" else "",
            )
        )
    return answers


def _europe_share(con: duckdb.DuckDBPyConnection, year: int) -> Answer:
    row = con.execute(
        "select europe_share, europe_long_term_net_purchases_usd_bn, foreign_long_term_net_purchases_usd_bn"
        " from report.rpt_europe_share_yearly where year = ?",
        [year],
    ).fetchone()
    share = f"{row[0]:.0%} ({_bn(row[1])} of {_bn(row[2])})" if row and row[0] is not None else "n/a"
    return Answer(f"Europe's share of foreign net purchases of long-term Treasuries, {year}", share, "80%")


def _sensitivity(con: duckdb.DuckDBPyConnection, year: int) -> Answer:
    row = con.execute(
        "select lowest_best_available_net_purchases_usd_bn, highest_best_available_net_purchases_usd_bn, definitions"
        " from report.rpt_bloc_sensitivity_yearly where bloc = 'most_aligned' and year = ?",
        [year],
    ).fetchone()
    low, high, definitions = row or (None, None, 0)
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
            "select best_available_net_purchases_usd_bn, largest_purchase_since_year, is_largest_purchase_on_record,"
            " largest_sale_since_year, is_largest_sale_on_record, first_year_on_record"
            " from report.rpt_bloc_flows_yearly where bloc = ? and year = ?",
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


def _has(con: duckdb.DuckDBPyConnection, model: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'report' and table_name = ?", [model]
    ).fetchone()
    return bool(found and found[0])


def _supply(con: duckdb.DuckDBPyConnection, year: int) -> list[Answer]:
    """Marketable debt and its foreign share, the coming maturities, the external position."""
    rows = []
    if _has(con, "rpt_supply_latest"):
        found = con.execute(
            "select period_month, marketable_usd_bn, foreign_usd_bn, marketable_foreign_share"
            " from report.rpt_supply_latest"
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
    if _has(con, "rpt_maturity_wall"):
        found = con.execute(
            "select record_date, year_maturing_usd_bn, is_partial_year from report.rpt_maturity_wall"
            " where maturity_year = ? limit 1",
            [year + 1],
        ).fetchone()
        if found:
            record_date, maturing, partial = found
            note = f" (only what matures after the {record_date:%Y-%m-%d} snapshot)" if partial else ""
            rows.append(
                Answer(
                    f"Marketable debt maturing in {year + 1}",
                    f"{_tn(maturing)}{note}",
                    "about $8tn" if year + 1 == 2026 else "",
                )
            )
    if _has(con, "rpt_niip_yearly"):
        found = con.execute(
            "select net_usd_bn, net_source_table from report.rpt_niip_yearly where year(period_end) = ?",
            [year - 1],
        ).fetchone()
        if found and found[0] is not None:
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
            *_carried_forward(con),
            _non_allies(con, year),
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
