-- Per year: official gold (IMF IFS, end of the last quarter reported in the year; the world
-- total and the sum of reported changes from the World Gold Council), its US$ value as
-- implied by reserves (World Bank total reserves including gold less External Wealth of
-- Nations reserves excluding gold, summed over the countries both report), next to foreign
-- official holdings of Treasuries (TIC, December or the latest month of the year).
with imf as (

    select
        year(period_end) as year,
        arg_max(gold_tonnes, period_end) as world_gold_tonnes,
        arg_max(gold_fine_troy_oz, period_end) as world_gold_fine_troy_oz,
        max(period_end) as gold_as_of
    from {{ ref('stg_imf__gold_reserves_latest') }}
    where imf_country_name = 'World'
    group by year(period_end)

),

wgc as (

    select
        year(period_start) as year,
        sum(change_tonnes) as reported_change_tonnes
    from {{ ref('stg_wgc__gold_changes_latest') }}
    where
        frequency = 'annual'
        -- The euro area repeats its members; Turkey* is a second measure of Turkey's gold.
        and wgc_country_name not in ('Euro Area', 'Turkey*')
    group by year(period_start)

),

ewn_countries as (

    select
        positions.year,
        country_names.iso3,
        positions.fx_reserves_excl_gold_usd_mn
    from {{ ref('stg_ewn__positions_latest') }} as positions
    inner join {{ ref('int_country_names') }} as country_names
        on lower(positions.ewn_country_name) = country_names.name_key

),

implied_value as (

    select
        ewn_countries.year,
        sum(reserves.total_reserves_usd / 1e6 - ewn_countries.fx_reserves_excl_gold_usd_mn) / 1000
            as implied_official_gold_usd_bn,
        count(*) as countries_valued
    from ewn_countries
    inner join {{ ref('stg_worldbank__total_reserves_latest') }} as reserves
        on
            ewn_countries.iso3 = reserves.wb_country_code
            and ewn_countries.year = reserves.year
    group by ewn_countries.year

),

official as (

    select
        year(period_month) as year,
        arg_max(holdings_all_maturities_usd_bn, period_month) as foreign_official_treasuries_usd_bn,
        max(period_month) as treasuries_as_of
    from {{ ref('fct_treasury_holdings_aggregates_monthly') }}
    where holder_name = 'For. Official'
    group by year(period_month)

)

select
    coalesce(official.year, imf.year, wgc.year) as year,
    imf.world_gold_tonnes,
    imf.world_gold_fine_troy_oz,
    imf.gold_as_of,
    wgc.reported_change_tonnes as central_bank_gold_change_tonnes,
    implied_value.implied_official_gold_usd_bn,
    implied_value.countries_valued as gold_value_countries,
    'World Bank total reserves (incl. gold) less EWN reserves excl. gold; the US books gold at $42.22/oz'
        as gold_value_source,
    official.foreign_official_treasuries_usd_bn,
    official.treasuries_as_of
from official
full outer join imf on official.year = imf.year
full outer join wgc on coalesce(official.year, imf.year) = wgc.year
left join implied_value on coalesce(official.year, imf.year, wgc.year) = implied_value.year
