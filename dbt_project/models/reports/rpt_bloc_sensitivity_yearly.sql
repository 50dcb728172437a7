-- One row per bloc and year: the lowest and highest net purchases (best available) over
-- every bloc definition of fct_bloc_flows_sensitivity, and how many definitions.
select
    bloc,
    year,
    min(best_available_net_purchases_usd_bn) as lowest_best_available_net_purchases_usd_bn,
    max(best_available_net_purchases_usd_bn) as highest_best_available_net_purchases_usd_bn,
    count(*) as definitions
from {{ ref('fct_bloc_flows_sensitivity') }}
group by bloc, year
