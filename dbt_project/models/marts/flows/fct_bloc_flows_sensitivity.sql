-- Net purchases of Treasuries (best available) by bloc and calendar year from
-- flows_start_year under every bloc definition of the sensitivity grid and the default
-- (int_blocs_by_definition): how much a headline depends on the measure, the countries
-- ranked, the window and the cut-offs. Sum within one definition only.
with country_years as (

    select
        iso3,
        year(period_month) as year,
        sum(best_available_net_purchases_usd_bn) as net_purchases_usd_bn,
        count(best_available_net_purchases_usd_bn) as months_covered
    from {{ ref('fct_country_flows_monthly') }}
    where year(period_month) >= {{ var('flows_start_year') | int }}
    group by iso3, year(period_month)

),

definitions as (

    select distinct
        bloc_definition_id,
        is_default,
        measure,
        universe,
        window_years,
        lower_cutoff,
        upper_cutoff
    from {{ ref('int_blocs_by_definition') }}

),

classified as (

    select
        definitions.*,
        country_years.iso3,
        country_years.year,
        country_years.net_purchases_usd_bn,
        country_years.months_covered,
        {{ bloc_or_not_classified('blocs.bloc', 'countries') }} as bloc
    from country_years
    cross join definitions
    left join {{ ref('int_blocs_by_definition') }} as blocs
        on
            definitions.bloc_definition_id = blocs.bloc_definition_id
            and country_years.iso3 = blocs.iso3
            and country_years.year = blocs.year
    left join {{ ref('dim_country') }} as countries on country_years.iso3 = countries.country_key

)

select
    md5(concat_ws('|', bloc_definition_id, bloc, year)) as sensitivity_id,
    bloc_definition_id,
    is_default,
    measure,
    universe,
    window_years,
    lower_cutoff,
    upper_cutoff,
    bloc,
    year,
    sum(net_purchases_usd_bn) as best_available_net_purchases_usd_bn,
    count(distinct iso3) as countries_counted,
    max(months_covered) as months_covered
from classified
group by all
