-- One row per holder and month since 2000, for the six countries holding the most
-- Treasuries (all maturities) in the latest month.
with latest as (

    select max(period_month) as period_month
    from {{ ref('fct_treasury_holdings_monthly') }}

),

ranked as (

    select
        holdings.holder_name,
        row_number() over (
            order by holdings.holdings_all_maturities_usd_bn desc, holdings.holder_name asc
        ) as holder_rank
    from {{ ref('fct_treasury_holdings_monthly') }} as holdings
    inner join latest on holdings.period_month = latest.period_month

)

select
    holdings.period_month,
    holdings.holder_name,
    ranked.holder_rank,
    holdings.holdings_all_maturities_usd_bn,
    holdings.vintage_released_on
from {{ ref('fct_treasury_holdings_monthly') }} as holdings
inner join ranked on holdings.holder_name = ranked.holder_name
where ranked.holder_rank <= 6 and holdings.period_month >= date '2000-01-01'
