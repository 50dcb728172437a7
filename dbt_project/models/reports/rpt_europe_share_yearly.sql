-- One row per calendar year: Total Europe's net purchases of long-term Treasuries against
-- all foreign residents' (SLT's grand total), and Europe's share of them.
with yearly as (

    select
        year(period_month) as year,
        sum(long_term_net_purchases_usd_bn) filter (where region_name = 'Total Europe')
            as europe_long_term_net_purchases_usd_bn,
        sum(long_term_net_purchases_usd_bn) filter (where region_kind = 'grand_total')
            as foreign_long_term_net_purchases_usd_bn,
        count(long_term_net_purchases_usd_bn) filter (where region_kind = 'grand_total') as months_covered
    from {{ ref('fct_region_securities_holdings_monthly') }}
    where asset_class = 'treasury'
    group by year(period_month)

)

select
    year,
    europe_long_term_net_purchases_usd_bn,
    foreign_long_term_net_purchases_usd_bn,
    europe_long_term_net_purchases_usd_bn / nullif(foreign_long_term_net_purchases_usd_bn, 0) as europe_share,
    months_covered
from yearly
