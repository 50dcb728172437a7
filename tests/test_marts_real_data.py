"""The marts on the publishers' real files: the answers the press quotes, from the marts alone.

One warehouse is built for the module from the TIC, UN-vote, Fiscal Data and NIIP files in
../shared/sources (the sources the holdings, flows, blocs, records, supply and NIIP marts
need), with the default settings.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import duckdb
import pytest

from treasury_warehouse.config import Settings
from treasury_warehouse.ingest.pipeline import ingest
from treasury_warehouse.warehouse import builds as warehouse

SOURCES_NEEDED = [
    "tic_mfh",
    "tic_slt",
    "tic_shl",
    "un_roll_calls",
    "un_votes",
    "un_ideal_points",
    # the supply side and the external position
    "fiscal_mspd_summary",
    "fiscal_mspd_detail",
    "bea_iip_table",
    "fred_iipusnetiq",
    "fred_iipusnetia",
]


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory: pytest.TempPathFactory, shared_sources: Path) -> Path:
    root = tmp_path_factory.mktemp("real")
    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=root,
        warehouse_path=root / "warehouse.duckdb",
        source_mirror=str(shared_sources),
        keep_builds=1,
    )
    for name in SOURCES_NEEDED:
        ingest(name, settings)
    return warehouse.accept(warehouse.build(settings, partial=True))  # the marts these sources feed


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_a_plain_sum_over_country_holdings_is_the_grand_total_less_the_aggregates(real_warehouse: Path) -> None:
    [(countries,)] = query(
        real_warehouse,
        "select sum(holdings_all_maturities_usd_bn) from marts.fct_treasury_holdings_monthly"
        " where period_month = '2025-12-01'",
    )
    [(grand_total, not_countries)] = query(
        real_warehouse,
        "select max(holdings_all_maturities_usd_bn) filter (where holder_kind = 'grand_total'),"
        " sum(holdings_all_maturities_usd_bn) filter (where holder_kind in ('all_other',"
        " 'regional_group', 'country_group'))"
        " from marts.fct_treasury_holdings_aggregates_monthly where period_month = '2025-12-01'",
    )
    assert grand_total == 9271.0
    # Each country is printed to $0.1bn, so the parts add up to the total within rounding.
    assert countries == pytest.approx(grand_total - not_countries, abs=1.0)


def test_china_at_its_lowest_since_2008(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select period_month, holdings_all_maturities_usd_bn, lowest_since_month, lowest_since_spans_series_break"
        " from marts.fct_holder_records_monthly where iso3 = 'CHN' and period_month >= '2025-11-01'"
        " order by period_month",
    )
    assert rows == [
        (date(2025, 11, 1), 683.9, date(2008, 9, 1), True),
        (date(2025, 12, 1), 683.5, date(2008, 9, 1), True),
    ]


def test_2025_buyers_and_sellers_on_reported_transactions(real_warehouse: Path) -> None:
    ranked = query(
        real_warehouse,
        "select holder_name, sum(reported_net_purchases_usd_bn) as bought"
        " from marts.fct_country_flows_monthly where year(period_month) = 2025"
        " group by holder_name having bought is not null order by bought desc",
    )
    names = [name for name, _ in ranked]
    assert names[:3] == ["United Kingdom", "Canada", "Japan"]
    assert names[::-1][:4] == ["China, Mainland", "India", "Brazil", "Belgium"]


def test_best_available_is_reported_transactions_where_published(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select best_available_method, min(period_month), max(period_month)"
        " from marts.fct_country_flows_monthly where best_available_method is not null"
        " group by 1 order by 1",
    )
    spans = {method: (first, last) for method, first, last in rows}
    assert spans["reported_net_purchases"][0] == date(2023, 2, 1)
    assert spans["holdings_change"][0] == date(2000, 4, 1)
    assert spans["slt_holdings_change"] == (date(2020, 2, 1), date(2023, 1, 1))
    # Luxembourg, December 2023: SLT's position fell $29.9bn while flows added $3.4bn.
    [(residual,)] = query(
        real_warehouse,
        "select reconciliation_residual_usd_bn from marts.fct_country_flows_monthly"
        " where iso3 = 'LUX' and period_month = '2023-12-01'",
    )
    assert residual == pytest.approx(-33.3)


def test_bloc_flows_sum_the_country_flows(real_warehouse: Path) -> None:
    mismatches = query(
        real_warehouse,
        """
        with countries as (
            select bloc, year(period_month) as year, sum(best_available_net_purchases_usd_bn) as usd_bn
            from marts.fct_country_flows_monthly where year(period_month) >= 2016 group by all
        )
        select countries.*, blocs.best_available_net_purchases_usd_bn
        from countries
        full join (
            select * from marts.fct_bloc_flows_yearly
        ) as blocs on blocs.bloc = countries.bloc and blocs.year = countries.year
        where abs(coalesce(countries.usd_bn, 0) - coalesce(blocs.best_available_net_purchases_usd_bn, 0)) > 1e-6
        """,
    )
    assert mismatches == []


def test_the_default_definition_of_the_sensitivity_mart_is_the_headline(real_warehouse: Path) -> None:
    mismatches = query(
        real_warehouse,
        """
        select sensitivity.bloc, sensitivity.year, sensitivity.best_available_net_purchases_usd_bn,
            flows.best_available_net_purchases_usd_bn
        from marts.fct_bloc_flows_sensitivity as sensitivity
        full join (
            select * from marts.fct_bloc_flows_yearly
        ) as flows on flows.bloc = sensitivity.bloc and flows.year = sensitivity.year
        where sensitivity.is_default is not false
            and abs(coalesce(sensitivity.best_available_net_purchases_usd_bn, 0) -
                coalesce(flows.best_available_net_purchases_usd_bn, 0)) > 1e-6
        """,
    )
    assert mismatches == []
    [(definitions,)] = query(
        real_warehouse, "select count(distinct bloc_definition_id) from marts.fct_bloc_flows_sensitivity"
    )
    assert definitions == 24  # 3 measures x 2 universes x 2 windows x 2 cut-offs; the default is one of them


def test_serbia_and_venezuela_are_classified(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select iso3, count(*) from marts.dim_bloc_membership where iso3 in ('SRB', 'VEN') and year >= 2016"
        " group by iso3 order by iso3",
    )
    assert [iso3 for iso3, years in rows if years >= 10] == ["SRB", "VEN"]


def test_europe_and_the_eu_by_asset_class(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select region_name, asset_class, long_term_holdings_usd_bn, members_counted,"
        " eu_memo_line_long_term_holdings_usd_bn"
        " from marts.fct_region_securities_holdings_monthly where period_month = '2026-05-01'"
        " and region_name in ('Total Europe', 'European Union (members on the date)')",
    )
    by_key = {(name, asset): (value, members, memo) for name, asset, value, members, memo in rows}
    assert by_key[("Total Europe", "treasury")][0] == pytest.approx(3117.255)
    assert by_key[("Total Europe", "equity")][0] == pytest.approx(11855.437)
    eu_treasuries, members, memo = by_key[("European Union (members on the date)", "treasury")]
    assert members == 18  # the members SLT names with a figure
    assert memo == pytest.approx(1788.8, abs=0.1)
    assert 0.95 * memo < eu_treasuries <= memo


def test_the_answers_command_reads_the_report_models(real_warehouse: Path) -> None:
    from treasury_warehouse.report.answers import answers, render

    rows = {a.question: a for a in answers(real_warehouse, 2025)}
    leaders = rows["2025 top three buyers (reported)"]
    assert leaders.warehouse.startswith("United Kingdom +187.4bn, Canada +71.2bn, Japan +65.0bn")
    assert leaders.published == "UK, Canada, Japan"
    assert rows["2025 top four sellers (reported)"].warehouse.startswith("China, Mainland -110.1bn, India")
    china = next(a for q, a in rows.items() if q.startswith("China's holdings (all maturities) in 2025-12"))
    assert china.warehouse.startswith("2008-09")
    [(allies,)] = query(
        real_warehouse,
        "select best_available_net_purchases_usd_bn from marts.fct_bloc_flows_yearly where bloc"
        " = 'most_aligned' and year = 2025",
    )
    most_aligned = rows["2025 net purchases of Treasuries, most-aligned countries"]
    assert f"{allies:+,.1f}bn best available" in most_aligned.warehouse
    # How much of it custodians bought, and a buyer whose figure includes price moves, said.
    [(custodial,)] = query(
        real_warehouse,
        "select sum(best_available_net_purchases_usd_bn) from marts.fct_country_flows_monthly"
        " where bloc = 'most_aligned' and is_custodial_centre and year(period_month) = 2025",
    )
    assert most_aligned.warehouse.endswith(f"(custodial centres {custodial:+,.1f}bn of it)")
    best_buyers = rows["2025 top three buyers (best)"].warehouse
    assert "El Salvador +92.7bn (holdings change, price moves included)" in best_buyers
    assert "United Kingdom +187.4bn," in best_buyers  # reported transactions: no label
    assert render(list(rows.values())).count("\n") == len(rows) + 1
    # The historical votes end in 2019 and the corpus has no UN Digital Library release: the
    # answers say how much of the blocs rests on that (Taiwan, Hong Kong, ... have no bloc).
    carried = rows["Blocs resting on carried-forward alignment, Dec 2025"].warehouse
    assert carried == "32 of 36 countries, 80% of foreign holdings; newest votes measured: 2019"
    supply = rows["Marketable Treasury debt and the foreign share, Dec 2025"]
    assert supply.warehouse == "$30.27tn outstanding; foreigners hold $9.27tn (30.6%)"
    wall = rows["Marketable debt maturing in 2026"]
    assert wall.warehouse == "$6.16tn (only what matures after the 2026-09-30 snapshot)"
    assert rows["US net international investment position, end 2024"].warehouse == "-$26.54tn (fred_iipusnetia)"


def test_marketable_debt_and_the_foreign_share(real_warehouse: Path) -> None:
    [(marketable, foreign, share)] = query(
        real_warehouse,
        "select marketable_usd_bn, foreign_usd_bn, marketable_foreign_share"
        " from marts.fct_treasury_supply_monthly where period_month = '2025-12-01'",
    )
    assert foreign == 9_271.0  # TIC Grand Total, Dec 2025
    assert marketable == pytest.approx(30_271, rel=1e-3)
    assert share == pytest.approx(0.3063, abs=1e-4)
    [(latest, latest_marketable)] = query(
        real_warehouse,
        "select period_month, marketable_usd_bn from marts.fct_treasury_supply_monthly"
        " order by period_month desc limit 1",
    )
    assert latest == date(2026, 5, 1)
    assert latest_marketable == pytest.approx(30_914.03398, abs=1e-5)  # MSPD, May 2026 ($30,914,033.98mn)


def test_the_maturity_wall_of_the_latest_snapshot(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select maturity_year, round(sum(maturing_usd_bn) / 1e3, 2), bool_and(is_partial_year)"
        " from marts.fct_treasury_maturities_yearly where is_latest_record_date and maturity_year <= 2030"
        " group by maturity_year order by maturity_year",
    )
    # The snapshot is dated 2026-09-30: 2026 holds only October-December.
    assert rows == [
        (2026, 6.16, True),
        (2027, 5.43, False),
        (2028, 3.74, False),
        (2029, 2.61, False),
        (2030, 2.06, False),
    ]
    [(listed,)] = query(
        real_warehouse,
        "select sum(maturing_usd_bn) from marts.fct_treasury_maturities_monthly where is_latest_record_date",
    )
    # The securities add up to the five unmatured subtotals Table III prints ($mn).
    subtotals_usd_mn = 7_118_144.8991 + 16_281_473.051 + 5_550_990.6094 + 2_172_641.57170234 + 707_975.4515
    assert listed == pytest.approx(subtotals_usd_mn / 1000)


def test_niip_2024_one_preferred_figure(real_warehouse: Path) -> None:
    rows = query(
        real_warehouse,
        "select source_table, net_usd_bn, is_preferred from marts.fct_niip where period_end = '2024-12-31'"
        " order by is_preferred desc",
    )
    assert rows[0] == ("fred_iipusnetia", pytest.approx(-26_539.47), True)
    assert [preferred for *_, preferred in rows].count(True) == 1


def test_meta_keeps_release_dates_apart_from_landing_days(real_warehouse: Path) -> None:
    """On the shared corpus, read from a folder: the TIC footers and the BEA file's name date
    their vintages; FRED's CSVs carry no date, so only their landing day is known. FRED's
    assets and liabilities series, not in the corpus, are not built, while the series that
    share their staging model are."""
    rows = {
        name: rest
        for name, *rest in query(
            real_warehouse,
            "select source_name, is_built, latest_vintage_released_on::varchar, release_date_basis"
            " from meta.meta_sources",
        )
    }
    assert rows["tic_mfh"] == [True, "2026-03-18", "file"]
    assert rows["bea_iip_table"] == [True, "2023-06-28", "file"]
    assert rows["fred_iipusnetiq"] == [True, None, "unknown"]
    assert rows["fred_iipusassq"] == [False, None, None]
    [(not_built,)] = query(real_warehouse, "select sources_not_built from meta.meta_build")
    assert "fred.series" not in not_built
