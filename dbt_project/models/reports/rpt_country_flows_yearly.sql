-- One row per country and calendar year: net purchases of Treasuries on both bases, whether
-- the best-available figure includes price moves (a change in holdings stood in for some
-- months), and each country's rank among buyers and sellers on each basis.
with yearly as (

    select
        holder_name,
        year(period_month) as year,
        sum(reported_net_purchases_usd_bn) as reported_net_purchases_usd_bn,
        sum(best_available_net_purchases_usd_bn) as best_available_net_purchases_usd_bn,
        coalesce(bool_or(best_available_method in ('holdings_change', 'slt_holdings_change')), false)
            as includes_price_moves,
        count(best_available_net_purchases_usd_bn) as months_covered
    from {{ ref('fct_country_flows_monthly') }}
    group by holder_name, year(period_month)

),

-- The last year with a best-available figure for December.
latest_full_year as (

    select max(year(period_month)) as year
    from {{ ref('fct_country_flows_monthly') }}
    where month(period_month) = 12 and best_available_net_purchases_usd_bn is not null

)

select
    yearly.holder_name,
    yearly.year,
    yearly.reported_net_purchases_usd_bn,
    yearly.best_available_net_purchases_usd_bn,
    yearly.includes_price_moves,
    yearly.months_covered,
    coalesce(yearly.year = latest_full_year.year, false) as is_latest_full_year,
    {{ rank_in_year('yearly.best_available_net_purchases_usd_bn', 'desc') }} as best_available_buyer_rank,
    {{ rank_in_year('yearly.best_available_net_purchases_usd_bn', 'asc') }} as best_available_seller_rank,
    {{ rank_in_year('yearly.reported_net_purchases_usd_bn', 'desc') }} as reported_buyer_rank,
    {{ rank_in_year('yearly.reported_net_purchases_usd_bn', 'asc') }} as reported_seller_rank
from yearly
cross join latest_full_year
