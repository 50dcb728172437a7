"""The nightly report: charts and sentences written from the published build's report models.

One static HTML page (images embedded, readable offline) plus each chart as SVG and PNG,
written into the build's own folder (``builds/warehouse-<stamp>/report/``) and published by
pointing ``data/report`` at it, so a rollback brings back the report of the build it
restores. Every number comes from a report model (schema report, dbt_project/models/reports,
declared as the exposure nightly_report); a chart whose model is missing or empty says
so on the page instead of failing the report. ``report.json`` keeps each chart's data and
each sentence's numbers beside the page.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

log = logging.getLogger(__name__)

REPORT_DIR = "report"
TOP_HOLDERS = 6
TOP_BUYERS = 10
FIRST_BLOC_YEAR = 2016
BLOCS = ["most_aligned", "neutral", "least_aligned"]
BLOC_LABELS = {
    "most_aligned": "most aligned with the US",
    "neutral": "neutral",
    "least_aligned": "least aligned",
    "not_classified_no_un_votes": "not classified (no UN votes)",
    "not_classified_not_ranked": "not classified (not ranked)",
    "custodial_centres": "custodial centres (UK, Belgium, Luxembourg, Ireland, Switzerland, Cayman)",
}
# Custodians there hold for investors elsewhere: shown apart from the blocs they vote with.
CUSTODIAL = "custodial_centres"
BLOC_COUNTRIES = {
    "most_aligned": "countries most aligned with the US",
    "neutral": "neutral countries",
    "least_aligned": "least aligned countries",
}
COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#a5a5a5"]


@dataclass
class Chart:
    name: str
    heading: str  # what the chart is of
    query: str  # the SQL the data comes from (the test re-runs it)
    draw: Callable[[pd.DataFrame], tuple[object, str]]  # data -> (figure, title stating the finding)
    units: str
    source: str
    period_column: str
    data: pd.DataFrame | None = None
    title: str = ""
    runs_to: str = ""
    vintage: str = ""
    missing: str = ""  # why the chart could not be drawn


@dataclass
class Sentence:
    text: str
    numbers: dict[str, object] = field(default_factory=dict)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}


def _bn(value: float) -> str:
    return f"{value:+,.1f}bn" if value else "0.0bn"


# --- the charts -------------------------------------------------------------------------


def _figure(width: float = 9.0, height: float = 4.8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(width, height), dpi=100)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _whole_years(axes) -> None:
    """Year axes tick on whole years (not 2021.2), however few years there are."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _niip(data: pd.DataFrame):
    figure, axes = _figure()
    data = data.assign(assets_usd_tn=data["assets_usd_bn"] / 1e3, liabilities_usd_tn=data["liabilities_usd_bn"] / 1e3)
    years = data["period_end"].dt.year
    axes.plot(years, data["liabilities_usd_tn"], color=COLOURS[1], label="foreign-owned US assets (US liabilities)")
    axes.plot(years, data["assets_usd_tn"], color=COLOURS[0], label="US-owned assets abroad")
    axes.fill_between(years, data["assets_usd_tn"], data["liabilities_usd_tn"], color=COLOURS[1], alpha=0.12)
    axes.set_ylabel("US$ trillion, end of year")
    axes.legend(frameon=False, loc="upper left")
    _whole_years(axes)
    last = data.iloc[-1]
    gap = last["liabilities_usd_tn"] - last["assets_usd_tn"]
    return figure, f"Foreigners own ${gap:,.1f}tn more of the US than the US owns abroad ({last['period_end']:%Y})"


def _holders(data: pd.DataFrame):
    figure, axes = _figure()
    wide = data.pivot_table(index="period_month", columns="holder_name", values="holdings_all_maturities_usd_bn")
    order = wide.iloc[-1].sort_values(ascending=False).index
    for colour, holder in zip(COLOURS, order, strict=False):
        axes.plot(wide.index, wide[holder], color=colour, label=holder, linewidth=1.4)
    axes.set_ylabel("US$ billion, end of month")
    axes.legend(frameon=False, loc="upper left", fontsize=8)
    latest = wide.iloc[-1].dropna().sort_values(ascending=False)
    return figure, f"{latest.index[0]} holds the most Treasuries: ${latest.iloc[0]:,.0f}bn in {wide.index[-1]:%b %Y}"


def _eu_assets(data: pd.DataFrame):
    figure, axes = _figure()
    wide = data.pivot_table(index="period_month", columns="asset_class", values="long_term_holdings_usd_bn")
    labels = {
        "treasury": "Treasuries",
        "agency": "agency bonds",
        "corporate_bond": "corporate bonds",
        "equity": "equities",
    }
    columns = [c for c in labels if c in wide.columns]
    axes.stackplot(wide.index, *[wide[c] for c in columns], labels=[labels[c] for c in columns], colors=COLOURS[:4])
    axes.set_ylabel("US$ billion, end of month")
    axes.legend(frameon=False, loc="upper left", fontsize=8)
    total = wide.iloc[-1][columns].sum()
    return figure, f"EU residents hold ${total / 1000:,.1f}tn of US long-term securities ({wide.index[-1]:%b %Y})"


def _wall(data: pd.DataFrame):
    figure, axes = _figure()
    wide = data.pivot_table(index="maturity_year", columns="security_class", values="maturing_usd_bn", aggfunc="sum")
    wide = wide.fillna(0.0) / 1e3
    bottom = pd.Series(0.0, index=wide.index)
    for colour, column in zip(COLOURS, ["bills", "notes", "bonds", "tips", "frn"], strict=False):
        if column in wide.columns:
            axes.bar(wide.index.astype(str), wide[column], bottom=bottom, color=colour, label=column)
            bottom += wide[column]
    axes.set_ylabel("US$ trillion maturing")
    axes.legend(frameon=False, fontsize=8)
    record_date = pd.Timestamp(data["record_date"].iloc[0])
    labels = [str(year) for year in wide.index]
    labels[0] = f"{labels[0]}\n(after {record_date:%d %b})"  # the snapshot's own year is partial
    axes.set_xticks(range(len(labels)), labels)
    first = bottom.index[0]
    following = f", ${bottom.iloc[1]:,.2f}tn in {bottom.index[1]}" if len(bottom) > 1 else ""
    return figure, (
        f"${bottom.iloc[0]:,.2f}tn of marketable debt matures by the end of {first}{following} "
        f"(as of {record_date:%d %b %Y})"
    )


def _buyers(data: pd.DataFrame):
    figure, axes = _figure(height=5.2)
    ordered = data.sort_values("best_available_net_purchases_usd_bn")
    colours = [COLOURS[0] if v >= 0 else COLOURS[1] for v in ordered["best_available_net_purchases_usd_bn"]]
    # A figure with months of changes in holdings includes price moves: starred, and said.
    names = [
        f"{n} *" if moves else n
        for n, moves in zip(ordered["holder_name"], ordered["includes_price_moves"], strict=True)
    ]
    axes.barh(names, ordered["best_available_net_purchases_usd_bn"], color=colours)
    axes.axvline(0, color="#444444", linewidth=0.8)
    xlabel = "US$ billion, net purchases in the year (best available)"
    if ordered["includes_price_moves"].any():
        xlabel += "\n* a change in holdings for some months: includes price moves, not only purchases"
    axes.set_xlabel(xlabel)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    top = data.sort_values("best_available_net_purchases_usd_bn", ascending=False).iloc[0]
    bought, year = _bn(top["best_available_net_purchases_usd_bn"]), int(top["year"])
    if top["includes_price_moves"]:
        return figure, f"{top['holder_name']}'s holdings grew the most in {year}: {bought}, price moves included"
    return figure, f"{top['holder_name']} bought the most Treasuries in {year}: {bought}"


def _gold(data: pd.DataFrame):
    figure, axes = _figure()
    treasuries, gold = data["foreign_official_treasuries_usd_bn"], data["implied_official_gold_usd_bn"]
    axes.plot(data["year"], treasuries, color=COLOURS[0], label="foreign official Treasuries")
    axes.plot(data["year"], gold, color=COLOURS[3], label="official gold (implied by reserves)")
    axes.set_ylabel("US$ billion, end of year")
    axes.legend(frameon=False, loc="upper left")
    _whole_years(axes)
    both = data.dropna(subset=["foreign_official_treasuries_usd_bn", "implied_official_gold_usd_bn"])
    if both.empty:
        return figure, "Central-bank gold and foreign official Treasuries"
    last = both.iloc[-1]
    ratio = last["implied_official_gold_usd_bn"] / last["foreign_official_treasuries_usd_bn"]
    return figure, f"Official gold was worth {ratio:.0%} of foreign official Treasury holdings in {int(last['year'])}"


def _bloc_flows(data: pd.DataFrame):
    figure, axes = _figure()
    wide = data.pivot_table(index="year", columns="bloc", values="best_available_net_purchases_usd_bn")
    wide = wide.reindex(columns=BLOCS)
    width = 0.27
    custodial = (
        data.pivot_table(index="year", columns="bloc", values="custodial_centres_net_purchases_usd_bn")
        .reindex(index=wide.index, columns=BLOCS)
        .fillna(0.0)
    )
    for offset, (colour, bloc) in enumerate(zip(COLOURS, BLOCS, strict=False)):
        x = wide.index + (offset - 1) * width
        axes.bar(x, wide[bloc], width=width, color=colour, label=BLOC_LABELS[bloc])
        # The part bought through custodial centres, hatched inside the bloc's bar.
        axes.bar(
            x,
            custodial[bloc],
            width=width,
            fill=False,
            hatch="////",
            edgecolor="#b0b0b0",
            linewidth=0,
            label=f"of which {BLOC_LABELS[CUSTODIAL]}" if offset == 0 else None,
        )
    axes.axhline(0, color="#444444", linewidth=0.8)
    axes.set_ylabel("US$ billion, net purchases (best available)")
    axes.legend(frameon=False, fontsize=8)
    _whole_years(axes)
    last = wide.index.max()
    return figure, (
        f"{last}: most aligned {_bn(wide.loc[last, 'most_aligned'])} "
        f"(custodial centres {_bn(custodial.loc[last, 'most_aligned'])} of it), "
        f"least aligned {_bn(wide.loc[last, 'least_aligned'])}"
    )


def _bloc_holdings(data: pd.DataFrame):
    figure, axes = _figure()
    wide = data.pivot_table(
        index="period_month", columns="bloc_or_custodial", values="holdings_all_maturities_usd_bn", aggfunc="sum"
    ).fillna(0.0)
    order = [*BLOCS, CUSTODIAL, "not_classified_no_un_votes", "not_classified_not_ranked"]
    columns = [b for b in order if b in wide.columns]
    axes.stackplot(wide.index, *[wide[c] for c in columns], labels=[BLOC_LABELS[c] for c in columns], colors=COLOURS)
    axes.set_ylabel("US$ billion, end of month")
    axes.legend(frameon=False, loc="upper left", fontsize=8)
    latest = wide.iloc[-1]
    total = latest.sum()
    share = latest.get("most_aligned", 0.0) / total if total else 0.0
    custodial = latest.get(CUSTODIAL, 0.0) / total if total else 0.0
    return figure, (
        f"The most aligned hold {share:.0%} of foreign holdings of Treasuries, custodial centres "
        f"a further {custodial:.0%} ({wide.index[-1]:%b %Y})"
    )


def charts() -> list[Chart]:
    """The charts, each drawn from one report model (dbt_project/models/reports): the SQL of a
    question lives in dbt, with its contract, docs and unit test; here only the drawing."""
    return [
        Chart(
            "niip_gap",
            "The gap between foreign-owned US assets and US assets abroad",
            "select * from report.rpt_niip_yearly where assets_usd_bn is not null order by period_end",
            _niip,
            "US$ trillion",
            "BEA, international investment position (newest release with assets and liabilities), via fct_niip",
            "period_end",
        ),
        Chart(
            "holders",
            "Foreign Treasury holdings by major holder",
            "select * from report.rpt_top_holders_monthly order by period_month, holder_rank",
            _holders,
            "US$ billion",
            "US Treasury, TIC major foreign holders (mfhhis01), all maturities, via fct_treasury_holdings_monthly",
            "period_month",
        ),
        Chart(
            "eu_assets",
            "The EU's holdings of US long-term securities by class",
            "select * from report.rpt_eu_securities_monthly order by period_month, asset_class",
            _eu_assets,
            "US$ billion",
            "US Treasury, TIC SLT table 1, EU members on each date, via fct_region_securities_holdings_monthly",
            "period_month",
        ),
        Chart(
            "maturity_wall",
            "The coming maturity wall",
            "select * from report.rpt_maturity_wall order by maturity_year, security_class",
            _wall,
            "US$ trillion",
            "US Treasury, Monthly Statement of the Public Debt, table III, via fct_treasury_maturities_yearly",
            "record_date",
        ),
        Chart(
            "buyers",
            "Foreign buying of Treasuries in the latest full year, by country",
            "select * from report.rpt_top_buyers_latest_year order by best_available_net_purchases_usd_bn desc",
            _buyers,
            "US$ billion",
            "US Treasury, TIC SLT and major foreign holders, best-available basis, via fct_country_flows_monthly",
            "year",
        ),
        Chart(
            "gold",
            "Central-bank gold against Treasuries",
            "select * from report.rpt_gold_vs_treasuries order by year",
            _gold,
            "US$ billion",
            "IMF IFS, World Bank, External Wealth of Nations, TIC, via fct_gold_vs_treasuries",
            "year",
        ),
        Chart(
            "bloc_flows",
            "Net purchases of Treasuries by bloc, per year",
            "select * from report.rpt_bloc_flows_yearly where is_full_year order by year, bloc",
            _bloc_flows,
            "US$ billion",
            "US Treasury, TIC; blocs by UN General Assembly voting, via fct_bloc_flows_yearly",
            "year",
        ),
        Chart(
            "bloc_holdings",
            "Foreign holdings of Treasuries by bloc",
            "select * from report.rpt_bloc_holdings_monthly order by period_month, bloc_or_custodial",
            _bloc_holdings,
            "US$ billion",
            "US Treasury, TIC major foreign holders; blocs by UN General Assembly voting,"
            " via fct_treasury_holdings_monthly",
            "period_month",
        ),
    ]


def _model_of(query: str) -> list[str]:
    return sorted(set(re.findall(r"report\.([a-z0-9_]+)", query)))


def chart_data(con: duckdb.DuckDBPyConnection, chart: Chart) -> pd.DataFrame | None:
    """The chart's rows, or None (with chart.missing set) if its model is missing or empty."""
    tables = _tables(con)
    absent = [m for m in _model_of(chart.query) if m not in tables]
    if absent:
        chart.missing = f"not in this build: {', '.join(absent)}"
        return None
    data = con.execute(chart.query).df()
    if data.empty:
        chart.missing = f"no rows in {', '.join(_model_of(chart.query))}"
        return None
    return data


# --- the sentences ----------------------------------------------------------------------


def what_changed(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What this build brings against the one before it (report.rpt_what_changed)."""
    if "rpt_what_changed" not in _tables(con):
        return []
    query = "select sentence from report.rpt_what_changed order by sentence_order, sentence"
    return [row[0] for row in con.execute(query).fetchall()]


def sentences(con: duckdb.DuckDBPyConnection) -> list[Sentence]:
    tables = _tables(con)
    said: list[Sentence] = []
    if "rpt_movers_latest_month" in tables:
        said += _movers(con)
    if "rpt_holder_records_latest" in tables:
        said += _records(con)
    if "rpt_bloc_flows_yearly" in tables:
        said += _bloc_totals(con)
    if "rpt_alignment_coverage_latest" in tables:
        said += _carried_forward(con)
    return said


def _carried_forward(con: duckdb.DuckDBPyConnection) -> list[Sentence]:
    """How much of the blocs rests on alignment from an earlier year's votes."""
    row = con.execute(
        "select period_month, countries_counted, carried_forward_countries, carried_forward_share,"
        " latest_measured_year from report.rpt_alignment_coverage_latest"
    ).fetchone()
    if row is None or not row[2]:
        return []
    month, counted, carried, share, measured = row
    return [
        Sentence(
            f"In {month:%B %Y}, {carried} of {counted} named countries, holding {share:.0%} of foreign holdings,"
            f" have a bloc carried forward from earlier UN votes (the newest measured year is {measured}).",
            {
                "kind": "carried_forward",
                "month": f"{month:%Y-%m}",
                "countries": int(carried),
                "share": round(float(share), 3),
                "latest_measured_year": None if measured is None else int(measured),
            },
        )
    ]


def _movers(con: duckdb.DuckDBPyConnection) -> list[Sentence]:
    rows = con.execute(
        "select period_month, holder_name, best_available_net_purchases_usd_bn, best_available_method,"
        " includes_price_moves from report.rpt_movers_latest_month where buyer_rank = 1 or seller_rank = 1"
        " order by buyer_rank"
    ).fetchall()
    if not rows:
        return []
    month = rows[0][0]
    out = []
    buyer, seller = rows[0], rows[-1]
    if buyer[2] > 0:
        basis = "a change in holdings, which includes price moves" if buyer[4] else buyer[3].replace("_", " ")
        out.append(
            Sentence(
                f"In {month:%B %Y} the largest buyer of Treasuries was {buyer[1]}, with net purchases of "
                f"{_bn(buyer[2])} ({basis}).",
                {"kind": "largest_buyer", "month": f"{month:%Y-%m}", "holder": buyer[1], "usd_bn": round(buyer[2], 1)},
            )
        )
    if seller[2] < 0:
        out.append(
            Sentence(
                f"The largest seller was {seller[1]}, with net sales of {abs(seller[2]):,.1f}bn.",
                {
                    "kind": "largest_seller",
                    "month": f"{month:%Y-%m}",
                    "holder": seller[1],
                    "usd_bn": round(seller[2], 1),
                },
            )
        )
    return out


def _records(con: duckdb.DuckDBPyConnection) -> list[Sentence]:
    """The five largest holders whose holdings in the latest month are their lowest or highest
    for at least two years."""
    rows = con.execute(
        "select holder_name, period_month, holdings_all_maturities_usd_bn, lowest_since_month, highest_since_month,"
        " first_month_on_record, is_lowest_for_two_years from report.rpt_holder_records_latest"
        " where has_two_years_on_record and (is_lowest_for_two_years or is_highest_for_two_years)"
        " order by holdings_rank limit 5"
    ).fetchall()
    out = []
    for holder, month, holdings, low, high, first, low_record in rows:
        since = low if low_record else high
        word = "lowest" if low_record else "highest"
        when = f"since {since:%B %Y}" if since is not None else f"on record (since {first:%B %Y})"
        out.append(
            Sentence(
                f"{holder}'s holdings of {holdings:,.1f}bn in {month:%B %Y} are the {word} {when}.",
                {
                    "kind": f"record_{word}",
                    "month": f"{month:%Y-%m}",
                    "holder": holder,
                    "usd_bn": round(holdings, 1),
                    "since": None if since is None else f"{since:%Y-%m}",
                },
            )
        )
    return out


def _bloc_totals(con: duckdb.DuckDBPyConnection) -> list[Sentence]:
    rows = con.execute(
        "select bloc, year, best_available_net_purchases_usd_bn from report.rpt_bloc_flows_yearly"
        " where is_latest_full_year order by bloc"
    ).fetchall()
    out = []
    for bloc, year, value in rows:
        verb = "bought" if value >= 0 else "sold"
        out.append(
            Sentence(
                f"In {year}, the {BLOC_COUNTRIES[bloc]} {verb} {abs(value):,.1f}bn of Treasuries (best available).",
                {"kind": "bloc_year", "bloc": bloc, "year": int(year), "usd_bn": round(value, 1)},
            )
        )
    return out


# --- rendering and publication ----------------------------------------------------------


def render(warehouse_path: Path, target: Path) -> dict:
    """Write the page, the images and report.json into target (a new folder)."""
    import matplotlib.pyplot as plt

    target.mkdir(parents=True)
    made = datetime.now(UTC).isoformat(timespec="seconds")
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        build = con.execute("select build_id from meta.meta_build").fetchone() if "meta_build" in _tables(con) else None
        drawn = []
        for chart in charts():
            data = chart_data(con, chart)
            if data is not None:
                chart.data = data
                figure, chart.title = chart.draw(data)
                # "$" pairs would be read as mathtext: the figure's own texts escape them.
                figure.suptitle(chart.title.replace("$", r"\$"), x=0.01, ha="left", fontsize=11, fontweight="bold")
                chart.runs_to = _runs_to(data[chart.period_column])
                chart.vintage = _vintage(data)
                note = f"Source: {chart.source}{chart.vintage}. Data to {chart.runs_to}."
                figure.text(0.01, 0.01, note.replace("$", r"\$"), fontsize=7, color="#555555")
                figure.tight_layout(rect=(0, 0.04, 1, 1))
                data.to_csv(target / f"{chart.name}.csv", index=False)  # what the chart draws, as drawn
                figure.savefig(target / f"{chart.name}.svg")
                figure.savefig(target / f"{chart.name}.png")
                plt.close(figure)
            drawn.append(chart)
        said = sentences(con)
        changed = what_changed(con)
    page = _page(drawn, changed, said, build[0] if build else warehouse_path.parent.name, made, target)
    (target / "index.html").write_text(page)
    summary = {
        "build": build[0] if build else None,
        "made_at": made,
        "charts": {
            c.name: {
                "title": c.title,
                "missing": c.missing,
                "runs_to": c.runs_to,
                "query": c.query,
                "rows": 0 if c.data is None else len(c.data),
            }
            for c in drawn
        },
        "what_changed": changed,
        "sentences": [{"text": s.text, **s.numbers} for s in said],
    }
    (target / "report.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def _runs_to(values: pd.Series) -> str:
    last = values.max()
    if isinstance(last, pd.Timestamp | datetime):
        return f"{pd.Timestamp(last):%Y-%m-%d}"
    return str(int(last)) if pd.notna(last) else "?"


def _vintage(data: pd.DataFrame) -> str:
    if "vintage_released_on" in data.columns and data["vintage_released_on"].notna().any():
        return f", released {pd.Timestamp(data['vintage_released_on'].max()):%Y-%m-%d}"
    return ""


def _page(drawn: list[Chart], changed: list[str], said: list[Sentence], build: str, made: str, folder: Path) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Who finances the US Treasury: the nightly report</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "figure{margin:2em 0}img{max-width:100%}figcaption{font-size:.85em;color:#555}"
        ".missing{border:1px dashed #c55a11;padding:1em;color:#c55a11}li{margin:.3em 0}</style></head><body>",
        "<h1>Who finances the US Treasury</h1>",
        f"<p>Made {html.escape(made)} from build <code>{html.escape(str(build))}</code>.</p>",
        "<h2>What changed</h2><ul>",
        *[f"<li>{html.escape(line)}</li>" for line in changed or ["Nothing new since the build before this one."]],
        "</ul><h2>Where things stand</h2><ul>",
        *[f"<li>{html.escape(s.text)}</li>" for s in said],
        "</ul><h2>Charts</h2>",
    ]
    for chart in drawn:
        parts.append(f"<section id='{chart.name}'><h3>{html.escape(chart.heading)}</h3>")
        if chart.missing:
            parts.append(f"<p class='missing'>This chart is missing: {html.escape(chart.missing)}.</p></section>")
            continue
        svg = base64.b64encode((folder / f"{chart.name}.svg").read_bytes()).decode()
        parts.append(
            f"<figure><img alt='{html.escape(chart.title)}' src='data:image/svg+xml;base64,{svg}'>"
            f"<figcaption><strong>{html.escape(chart.title)}</strong>. {html.escape(chart.units)}. "
            f"Source: {html.escape(chart.source)}{html.escape(chart.vintage)}. Data to {html.escape(chart.runs_to)}. "
            f"Files: <a href='{chart.name}.svg'>SVG</a>, <a href='{chart.name}.png'>PNG</a>, "
            f"<a href='{chart.name}.csv'>data</a>.</figcaption></figure></section>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(settings, build_path: Path | None = None) -> Path:
    """Render the report of a build (default: the published one) into its folder and, if
    that build is still the published one, publish it at data/report."""
    from treasury_warehouse.warehouse import builds as warehouse

    build_path = build_path or warehouse.published_build(settings)
    if build_path is None:
        raise warehouse.BuildFailed("report", str(settings.warehouse_path), "published", "no warehouse is published")
    final = build_path.parent / REPORT_DIR
    staging = build_path.parent / f".{REPORT_DIR}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        render(build_path, staging)
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if warehouse.published_build(settings) == build_path:
        warehouse.link_report(settings, build_path)
    log.info("report of %s: %s", build_path.parent.name, final / "index.html")
    return final / "index.html"
