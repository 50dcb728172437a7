-- Per month-end: marketable Treasury debt outstanding by class and in total, debt held by
-- the public and the whole public debt (MSPD summary, newest file), beside foreign
-- holdings of Treasuries (TIC major foreign holders: Grand Total and foreign official,
-- newest release, primary series) and the foreign share of marketable debt. TIC counts
-- all Treasury securities foreigners hold, at face value for bills and notes and bonds
-- alike; the MSPD counts marketable debt at face value too, so the share is like for like
-- except for the few nonmarketable securities foreign official holders own.
with statement_lines as (

    select mspd.*
    from {{ ref('stg_fiscal__mspd_summary') }} as mspd
    where {{ is_latest_vintage(ref('stg_fiscal__mspd_summary'), 'mspd') }}

),

supply as (

    select
        cast(date_trunc('month', record_date) as date) as period_month,
        max(record_date) as record_date,
        sum(total_usd_mn) filter (where class_code = 'bills') as bills_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'notes') as notes_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'bonds') as bonds_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'tips') as tips_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'frn') as frn_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'total_marketable') as marketable_usd_mn,
        sum(held_by_public_usd_mn) filter (where class_code = 'total_marketable') as marketable_held_by_public_usd_mn,
        sum(held_by_public_usd_mn) filter (where class_code = 'total_public_debt') as debt_held_by_public_usd_mn,
        sum(total_usd_mn) filter (where class_code = 'total_public_debt') as public_debt_usd_mn,
        max(vintage_released_on) as mspd_vintage_released_on
    from statement_lines
    group by date_trunc('month', record_date)

),

foreign_holdings as (

    select
        period_month,
        max(holdings_usd_bn) filter (where holder_name = 'Grand Total') * 1000 as foreign_usd_mn,
        max(holdings_usd_bn) filter (where holder_name = 'For. Official') * 1000 as foreign_official_usd_mn,
        max(vintage_released_on) as tic_vintage_released_on
    from {{ ref('fct_treasury_holdings_aggregates_monthly') }}
    where holder_name in ('Grand Total', 'For. Official')
    group by period_month

)

select
    supply.period_month,
    supply.record_date,
    supply.bills_usd_mn,
    supply.notes_usd_mn,
    supply.bonds_usd_mn,
    supply.tips_usd_mn,
    supply.frn_usd_mn,
    supply.marketable_usd_mn,
    supply.marketable_held_by_public_usd_mn,
    supply.debt_held_by_public_usd_mn,
    supply.public_debt_usd_mn,
    foreign_holdings.foreign_usd_mn,
    foreign_holdings.foreign_official_usd_mn,
    foreign_holdings.foreign_usd_mn / supply.marketable_usd_mn as foreign_share_of_marketable,
    foreign_holdings.foreign_official_usd_mn / supply.marketable_usd_mn as foreign_official_share_of_marketable,
    supply.mspd_vintage_released_on,
    foreign_holdings.tic_vintage_released_on
from supply
left join foreign_holdings on supply.period_month = foreign_holdings.period_month
