"""One grain per mart, stated and enforced, and what a plain SUM over each mart gives.

Every mart's description begins with its grain ("One row per ...") and a ``grain`` test
proves those columns unique. A mart is either additive (a plain SUM of an amount over
one period is the intended total: its rows neither overlap nor repeat) or declares, in
``meta.sum_within`` and in its description, the columns a sum must stay within (methods,
definitions, vintages, overlapping regions are alternatives, not parts). For an additive
mart the plain sum is compared with the total another mart gives independently; a mart's
rows are the same for every amount column, so one column proves the row set."""

from __future__ import annotations

import dataclasses
import functools
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from treasury_warehouse.config import PROJECT_ROOT

MARTS = PROJECT_ROOT / "dbt_project" / "models" / "marts"


@functools.cache
def mart_declarations() -> dict[str, dict]:
    declared = {}
    for path in sorted(MARTS.rglob("*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            declared[model["name"]] = model
    return declared


def mart_files() -> set[str]:
    return {path.stem for path in MARTS.rglob("*.sql")}


def grain_of(model: dict) -> list[str] | None:
    for test in model.get("data_tests", []):
        if isinstance(test, dict) and "grain" in test:
            return test["grain"]["arguments"]["columns"]
    return None


def sum_within(model: dict) -> list[str]:
    return model.get("config", {}).get("meta", {}).get("sum_within", [])


@pytest.mark.parametrize("mart", sorted(mart_files()))
def test_every_mart_states_its_grain_and_a_test_enforces_it(mart: str) -> None:
    model = mart_declarations().get(mart)
    assert model is not None, f"{mart} has no YAML declaration"
    description = " ".join(model["description"].split())
    assert description.startswith("One row per "), f"{mart}: the description must begin with its grain"
    grain = grain_of(model)
    assert grain, f"{mart}: no model-level grain test"
    columns = {column["name"] for column in model["columns"]}
    assert set(grain) <= columns, f"{mart}: grain columns {set(grain) - columns} are not columns of the mart"
    within = sum_within(model)
    assert set(within) <= set(grain), f"{mart}: sum_within names columns outside the grain"
    if within:
        assert "sum within" in description or "sum or quote one" in description, (
            f"{mart}: declares sum_within {within} but its description does not tell the reader"
        )


# The marts whose plain sum over one period is not the total: what a sum must stay within.
NOT_ADDITIVE = {
    "fct_bloc_flows_by_method_yearly": ["method"],
    "fct_bloc_flows_sensitivity": ["bloc_definition_id"],
    "fct_niip": ["source_table", "vintage_sha256"],
    "fct_treasury_holdings_aggregates_monthly": ["holder_name"],
    "fct_treasury_holdings_revisions": ["series", "vintage_sha256"],
    "fct_region_securities_holdings_monthly": ["region_code"],
    "fct_holder_records_monthly": ["holder_name"],
    "fct_us_assets_by_holder": ["holder_key", "maturity", "asset_class"],
    "fct_series_revisions": ["series_key", "vintage_number"],
    "fct_treasury_maturities_monthly": ["record_date"],
    "fct_treasury_maturities_yearly": ["record_date"],
}

# For each additive mart with more than one row per period: the plain sum an analyst
# writes, and the same total from elsewhere, per period (both queries return period, total).
PLAIN_SUMS = {
    "fct_treasury_holdings_monthly": (
        "select period_month, sum(holdings_all_maturities_usd_bn) from marts.fct_treasury_holdings_monthly group by 1",
        # The Grand Total less the lines that are not countries.
        "select period_month, sum(case when holder_kind = 'grand_total' then holdings_all_maturities_usd_bn"
        " when holder_kind in ('all_other', 'regional_group', 'country_group') then"
        " -holdings_all_maturities_usd_bn end)"
        " from marts.fct_treasury_holdings_aggregates_monthly group by 1",
        1.0,  # ~45 figures rounded to $0.1bn
    ),
    "fct_country_flows_monthly": (
        "select year(period_month), sum(best_available_net_purchases_usd_bn) from marts.fct_country_flows_monthly"
        " where year(period_month) >= (select min(year) from marts.fct_bloc_flows_yearly) group by 1",
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_yearly group by 1",
        1e-6,
    ),
    "fct_bloc_flows_monthly": (
        "select period_month, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_monthly group by 1",
        "select period_month, sum(best_available_net_purchases_usd_bn) from marts.fct_country_flows_monthly"
        " where year(period_month) >= (select min(year) from marts.fct_bloc_flows_yearly)"
        " and best_available_net_purchases_usd_bn is not null group by 1",
        1e-6,
    ),
    "fct_bloc_flows_yearly": (
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_yearly group by 1",
        "select year(period_month), sum(best_available_net_purchases_usd_bn) from"
        " marts.fct_bloc_flows_monthly group by 1",
        1e-6,
    ),
    "fct_bloc_records_yearly": (
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_records_yearly group by 1",
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_yearly group by 1",
        1e-6,
    ),
}

# What summing within the declared columns gives, against the additive mart it stands beside.
WITHIN_SUMS = {
    "fct_bloc_flows_by_method_yearly": (
        "select year, sum(net_purchases_usd_bn) from marts.fct_bloc_flows_by_method_yearly"
        " where method = 'best_available' group by 1",
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_yearly group by 1",
    ),
    "fct_bloc_flows_sensitivity": (
        "select year, sum(best_available_net_purchases_usd_bn) from"
        " marts.fct_bloc_flows_sensitivity where is_default group by 1",
        "select year, sum(best_available_net_purchases_usd_bn) from marts.fct_bloc_flows_yearly group by 1",
    ),
    "fct_niip": (
        "select period_end, sum(net_usd_bn) from marts.fct_niip where is_preferred group by 1",
        "select period_end, sum(net_usd_bn) from marts.fct_niip_preferred group by 1",
    ),
}


def totals(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    return {period: total for period, total in con.execute(sql).fetchall() if total is not None}


def test_every_mart_is_either_additive_or_says_what_to_sum_within() -> None:
    declared = mart_declarations()
    for mart in mart_files():
        assert sum_within(declared[mart]) == NOT_ADDITIVE.get(mart, []), mart


@pytest.mark.parametrize("mart", sorted(PLAIN_SUMS))
def test_a_plain_sum_over_an_additive_mart_is_the_total(published, mart: str) -> None:
    plain_sql, intended_sql, tolerance = PLAIN_SUMS[mart]
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        plain, intended = totals(con, plain_sql), totals(con, intended_sql)
    assert plain, f"{mart}: nothing to sum in the fixture build"
    assert set(plain) == set(intended), mart
    off = {p: (plain[p], intended[p]) for p in plain if abs(plain[p] - intended[p]) > tolerance}
    assert off == {}, f"{mart}: plain sum against the intended total, per period"


@pytest.mark.parametrize("mart", sorted(WITHIN_SUMS))
def test_a_sum_within_the_declared_columns_is_the_total(published, mart: str) -> None:
    within_sql, intended_sql = WITHIN_SUMS[mart]
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        within, intended = totals(con, within_sql), totals(con, intended_sql)
    assert within, mart
    assert within.keys() == intended.keys(), mart
    assert all(abs(within[p] - intended[p]) < 1e-6 for p in within), mart


def test_the_grain_test_fails_on_a_repeated_row(published, tmp_path: Path) -> None:
    """dbt's grain test finds a grain broken by one row repeated under a new key (on a copy)."""
    from treasury_warehouse.warehouse import builds as warehouse

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published.warehouse_path, copy)
    copy.chmod(0o644)
    settings = dataclasses.replace(published, data_dir=tmp_path / "data")
    select = ("--select", "fct_bloc_flows_yearly,test_name:grain")
    warehouse.run_dbt(settings, copy, "test", *select)  # passes as built
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into marts.fct_bloc_flows_yearly"
            " select md5('repeated') as bloc_flow_id, * exclude (bloc_flow_id) from marts.fct_bloc_flows_yearly limit 1"
        )
    with pytest.raises(warehouse.BuildFailed, match="grain_fct_bloc_flows_yearly"):
        warehouse.run_dbt(settings, copy, "test", *select)


# One unit per kind: money in billions of US dollars, fractions 0-1, gold in tonnes or
# fine troy ounces; the unit ends the column's name.
UNIT_SUFFIXES = ("_usd_bn", "_share", "_tonnes", "_fine_troy_oz")
# Numbers that are not amounts, each with why.
NOT_AMOUNTS = {
    ("dim_bloc_membership", "lower_cutoff"): "a percent-rank cut-off of the bloc definition",
    ("dim_bloc_membership", "upper_cutoff"): "a percent-rank cut-off of the bloc definition",
    ("dim_bloc_membership", "measure_value"): "the alignment measure (coincidence 0-1 or ideal-point distance)",
    ("dim_bloc_membership", "alignment_rank"): "a percent rank",
    ("fct_bloc_flows_sensitivity", "lower_cutoff"): "a percent-rank cut-off of the bloc definition",
    ("fct_bloc_flows_sensitivity", "upper_cutoff"): "a percent-rank cut-off of the bloc definition",
    ("fct_series_revisions", "observed_value"): "each series in its own unit, named in the column unit",
    ("fct_series_revisions", "previous_value"): "each series in its own unit, named in the column unit",
    ("fct_series_revisions", "change_from_previous"): "each series in its own unit, named in the column unit",
    ("fct_series_revisions", "relative_change_from_previous"): "a ratio of two values of one series",
}
NUMERIC_TYPES = ("double", "float", "real", "decimal", "numeric")


def amounts_without_a_unit(declarations: dict[str, dict]) -> list[str]:
    unnamed = []
    for mart, model in declarations.items():
        for column in model["columns"]:
            name, kind = column["name"], column.get("data_type", "").lower()
            if kind.startswith(NUMERIC_TYPES) and (mart, name) not in NOT_AMOUNTS and not name.endswith(UNIT_SUFFIXES):
                unnamed.append(f"{mart}.{name}")
    return unnamed


def test_every_mart_amount_names_its_unit_and_money_is_in_billions() -> None:
    assert amounts_without_a_unit(mart_declarations()) == [], f"amounts without a unit suffix {UNIT_SUFFIXES}"


def test_the_unit_check_finds_an_amount_in_millions() -> None:
    declared = dict(mart_declarations())
    supply = dict(declared["fct_treasury_supply_monthly"])
    supply["columns"] = [*supply["columns"], {"name": "marketable_usd_mn", "data_type": "double"}]
    declared["fct_treasury_supply_monthly"] = supply
    assert amounts_without_a_unit(declared) == ["fct_treasury_supply_monthly.marketable_usd_mn"]


@pytest.mark.parametrize("mart", ["fct_treasury_exposure", "fct_treasury_maturities_yearly"])
def test_shares_are_fractions(published, mart: str) -> None:
    columns = [c["name"] for c in mart_declarations()[mart]["columns"] if c["name"].endswith("_share")]
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        for column in columns:
            low, high = con.execute(f"select min({column}), max({column}) from marts.{mart}").fetchone()
            assert low is None or 0 <= low <= high <= 1, (mart, column, low, high)
