-- Net purchases of Treasuries per country and month, latest vintage, by two methods:
--   holdings_change: change in major-foreign-holder holdings (mfhhis01, $bn). At a series
--     break the change is taken within the old series (the comparison column), so survey
--     benchmark revisions are not counted as purchases; without a comparison column it is null.
--   reported_net_purchases: net foreign purchases of long-term Treasuries reported on SLT
--     Table 1 (from 2023-02, $mn converted to $bn).
with mfh as (

    select *
    from {{ ref('stg_tic__major_foreign_holders') }}
    where
        holder_kind = 'country'
        and {{ is_latest_vintage(ref('stg_tic__major_foreign_holders')) }}

),

primary_series as (

    select * from mfh
    where not is_comparison_only

),

comparison as (

    select * from mfh
    where is_comparison_only

),

holdings_change as (

    select
        current_month.holder_name,
        current_month.period_month,
        'holdings_change' as method,
        current_month.series <> previous_month.series as is_series_break,
        case
            when current_month.series = previous_month.series
                then current_month.holdings_usd_bn - previous_month.holdings_usd_bn
            -- No old-series figure for the month (Dec 2011): the change is unknown, not the break.
            else comparison.holdings_usd_bn - previous_month.holdings_usd_bn
        end as net_purchases_usd_bn
    from primary_series as current_month
    inner join primary_series as previous_month
        on
            current_month.holder_name = previous_month.holder_name
            and current_month.period_month = previous_month.period_month + interval 1 month
    left join comparison
        on
            current_month.holder_name = comparison.holder_name
            and current_month.period_month = comparison.period_month
            and previous_month.series = comparison.series

),

mfh_countries as (

    select
        tic_name,
        iso3
    from {{ ref('int_tic_holders') }}
    where source_table = 'mfhhis01' and iso3 is not null

),

slt as (

    select *
    from {{ ref('stg_tic__slt_holdings') }}
    where
        holder_kind = 'country'
        and treasury_net_purchases_usd_mn is not null
        and {{ is_latest_vintage(ref('stg_tic__slt_holdings')) }}

),

slt_countries as (

    select
        tic_name,
        tic_country_code,
        iso3
    from {{ ref('int_tic_holders') }}
    where source_table = 'slt_table1' and iso3 is not null

)

select
    mfh_countries.iso3,
    holdings_change.holder_name,
    holdings_change.period_month,
    holdings_change.method,
    holdings_change.is_series_break,
    holdings_change.net_purchases_usd_bn
from holdings_change
inner join mfh_countries on holdings_change.holder_name = mfh_countries.tic_name
union all
select
    slt_countries.iso3,
    slt.holder_name,
    slt.period_month,
    'reported_net_purchases' as method,
    false as is_series_break,
    slt.treasury_net_purchases_usd_mn / 1000.0 as net_purchases_usd_bn
from slt
inner join slt_countries on slt.tic_country_code = slt_countries.tic_country_code
