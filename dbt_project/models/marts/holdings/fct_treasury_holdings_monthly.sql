-- Foreign holdings of Treasuries by country and month: the newest release, primary
-- series, countries only, so a plain sum over a month is the holdings of every country
-- TIC names. Aggregates (All Other, Grand Total, regional groups, the official
-- breakdown) are in fct_treasury_holdings_aggregates_monthly; older releases and the
-- comparison-only series at breaks in fct_treasury_holdings_revisions.
with holdings as (

    select * from {{ ref('stg_tic__major_foreign_holders_latest') }}
    where
        holder_kind = 'country'
        and not is_comparison_only

),

holder_countries as (

    select
        tic_name,
        iso3
    from {{ ref('int_tic_holders') }}
    -- Country groups TIC prints as one line (Belgium-Luxembourg before 2002) are aggregates.
    where source_table = 'mfhhis01' and iso3 is not null

),

countries as (

    select * from {{ ref('dim_country') }}

),

blocs as (

    select * from {{ ref('dim_bloc_membership') }}

)

select
    holdings.holding_id,
    holdings.holder_name,
    holder_countries.iso3,
    holdings.period_month,
    holdings.holdings_usd_bn as holdings_all_maturities_usd_bn,
    holdings.series,
    holdings.footnote_markers,
    {{ holder_classification('countries', 'blocs', 'holdings.period_month') }},
    'mfhhis01' as source_table,
    holdings.vintage_released_on,
    holdings.vintage_sha256
from holdings
inner join holder_countries on holdings.holder_name = holder_countries.tic_name
left join countries on holder_countries.iso3 = countries.country_key
left join blocs
    on
        holder_countries.iso3 = blocs.iso3
        and year(holdings.period_month) = blocs.year
