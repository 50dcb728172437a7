-- Per country and month, latest vintage of each table, every measure of Treasury flows:
--   major holders (mfhhis01, all maturities, $bn): holdings and their month-on-month change.
--     At a series break the change is taken within the old series (the comparison
--     column), so survey benchmark revisions are not counted as purchases; without a
--     comparison column it is null.
--   SLT Table 1 (long-term Treasuries, $mn converted to $bn): holdings and their change,
--     reported net purchases and valuation change (both from 2023-02), and the
--     reconciliation residual: change in holdings - net purchases - valuation change.
with mfh as (

    select *
    from {{ ref('stg_tic__major_foreign_holders_latest') }}
    where
        holder_kind = 'country'

),

mfh_countries as (

    select
        tic_name,
        iso3
    from {{ ref('int_tic_holders') }}
    where source_table = 'mfhhis01' and iso3 is not null

),

primary_series as (

    select
        mfh.*,
        mfh_countries.iso3
    from mfh
    inner join mfh_countries on mfh.holder_name = mfh_countries.tic_name
    where not mfh.is_comparison_only

),

comparison as (

    select * from mfh
    where is_comparison_only

),

major_holders as (

    select
        current_month.iso3,
        current_month.holder_name,
        current_month.period_month,
        current_month.holdings_usd_bn,
        current_month.vintage_released_on,
        current_month.series <> previous_month.series as is_series_break,
        case
            when current_month.series = previous_month.series
                then current_month.holdings_usd_bn - previous_month.holdings_usd_bn
            -- No old-series figure for the month (Dec 2011): the change is unknown, not the break.
            else comparison.holdings_usd_bn - previous_month.holdings_usd_bn
        end as holdings_change_usd_bn
    from primary_series as current_month
    left join primary_series as previous_month
        on
            current_month.holder_name = previous_month.holder_name
            and current_month.period_month = previous_month.period_month + interval 1 month
    left join comparison
        on
            current_month.holder_name = comparison.holder_name
            and current_month.period_month = comparison.period_month
            and previous_month.series = comparison.series

),

slt_countries as (

    select
        tic_country_code,
        iso3
    from {{ ref('int_tic_holders') }}
    where source_table = 'slt_table1' and iso3 is not null

),

slt_months as (

    select
        slt_countries.iso3,
        slt.holder_name,
        slt.period_month,
        slt.vintage_released_on,
        slt.treasury_holdings_usd_mn / 1000.0 as holdings_usd_bn,
        slt.treasury_net_purchases_usd_mn / 1000.0 as net_purchases_usd_bn,
        slt.treasury_valuation_change_usd_mn / 1000.0 as valuation_change_usd_bn
    from {{ ref('stg_tic__slt_holdings_latest') }} as slt
    inner join slt_countries on slt.tic_country_code = slt_countries.tic_country_code
    where
        slt.holder_kind = 'country'

),

slt as (

    select
        current_month.*,
        current_month.holdings_usd_bn - previous_month.holdings_usd_bn as holdings_change_usd_bn
    from slt_months as current_month
    left join slt_months as previous_month
        on
            current_month.iso3 = previous_month.iso3
            and current_month.period_month = previous_month.period_month + interval 1 month

)

select
    coalesce(slt.iso3, major_holders.iso3) as iso3,
    coalesce(slt.holder_name, major_holders.holder_name) as holder_name,
    coalesce(slt.period_month, major_holders.period_month) as period_month,
    major_holders.holdings_usd_bn as major_holders_holdings_usd_bn,
    major_holders.holdings_change_usd_bn as major_holders_change_usd_bn,
    coalesce(major_holders.is_series_break, false) as is_series_break,
    major_holders.vintage_released_on as major_holders_vintage_released_on,
    slt.holdings_usd_bn as slt_holdings_usd_bn,
    slt.holdings_change_usd_bn as slt_holdings_change_usd_bn,
    slt.net_purchases_usd_bn as reported_net_purchases_usd_bn,
    slt.valuation_change_usd_bn,
    slt.holdings_change_usd_bn - slt.net_purchases_usd_bn - slt.valuation_change_usd_bn
        as reconciliation_residual_usd_bn,
    slt.vintage_released_on as slt_vintage_released_on
from slt
full outer join major_holders
    on slt.iso3 = major_holders.iso3 and slt.period_month = major_holders.period_month
