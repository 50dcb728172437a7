-- One row per country in the latest month with a best-available figure: its net purchases,
-- on which basis, whether that basis includes price moves, and its rank as buyer and seller.
with latest as (

    select max(period_month) as period_month
    from {{ ref('fct_country_flows_monthly') }}
    where best_available_net_purchases_usd_bn is not null

)

select
    flows.period_month,
    flows.holder_name,
    flows.best_available_net_purchases_usd_bn,
    flows.best_available_method,
    flows.best_available_method in ('holdings_change', 'slt_holdings_change') as includes_price_moves,
    row_number() over (order by flows.best_available_net_purchases_usd_bn desc, flows.holder_name asc) as buyer_rank,
    row_number() over (order by flows.best_available_net_purchases_usd_bn asc, flows.holder_name desc) as seller_rank
from {{ ref('fct_country_flows_monthly') }} as flows
inner join latest on flows.period_month = latest.period_month
where flows.best_available_net_purchases_usd_bn is not null
