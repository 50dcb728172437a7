-- One row per country: the five largest buyers and the five largest sellers of the latest
-- full year, best available (rpt_country_flows_yearly).
select
    holder_name,
    year,
    best_available_net_purchases_usd_bn,
    includes_price_moves,
    best_available_buyer_rank,
    best_available_seller_rank
from {{ ref('rpt_country_flows_yearly') }}
where is_latest_full_year and (best_available_buyer_rank <= 5 or best_available_seller_rank <= 5)
