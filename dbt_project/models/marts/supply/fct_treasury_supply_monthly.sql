-- Per month-end: marketable Treasury debt outstanding by class and in total, debt held by
-- the public and the whole public debt (MSPD summary, newest file), beside foreign
-- holdings of Treasuries (TIC major foreign holders: Grand Total and foreign official,
-- newest release, primary series) and the foreign share of marketable debt. TIC counts
-- all Treasury securities foreigners hold, at face value for bills and notes and bonds
-- alike; the MSPD counts marketable debt at face value too, so the share is like for like
-- except for the few nonmarketable securities foreign official holders own.
with statement_lines as (

    select mspd.*
    from {{ ref('stg_fiscal__mspd_summary_latest') }} as mspd

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
        max(holdings_all_maturities_usd_bn) filter (where holder_name = 'Grand Total') as foreign_usd_bn,
        max(holdings_all_maturities_usd_bn) filter (where holder_name = 'For. Official') as foreign_official_usd_bn,
        max(vintage_released_on) as tic_vintage_released_on
    from {{ ref('fct_treasury_holdings_aggregates_monthly') }}
    where holder_name in ('Grand Total', 'For. Official')
    group by period_month

)

select
    supply.period_month,
    supply.record_date,
    supply.bills_usd_mn / 1000 as bills_usd_bn,
    supply.notes_usd_mn / 1000 as notes_usd_bn,
    supply.bonds_usd_mn / 1000 as bonds_usd_bn,
    supply.tips_usd_mn / 1000 as tips_usd_bn,
    supply.frn_usd_mn / 1000 as frn_usd_bn,
    supply.marketable_usd_mn / 1000 as marketable_usd_bn,
    supply.marketable_held_by_public_usd_mn / 1000 as marketable_held_by_public_usd_bn,
    supply.debt_held_by_public_usd_mn / 1000 as debt_held_by_public_usd_bn,
    supply.public_debt_usd_mn / 1000 as public_debt_usd_bn,
    foreign_holdings.foreign_usd_bn,
    foreign_holdings.foreign_official_usd_bn,
    foreign_holdings.foreign_usd_bn * 1000 / supply.marketable_usd_mn as marketable_foreign_share,
    foreign_holdings.foreign_official_usd_bn * 1000 / supply.marketable_usd_mn as marketable_foreign_official_share,
    supply.mspd_vintage_released_on,
    foreign_holdings.tic_vintage_released_on
from supply
left join foreign_holdings on supply.period_month = foreign_holdings.period_month
