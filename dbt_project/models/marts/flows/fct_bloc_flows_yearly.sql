-- One row per bloc and calendar year: best-available net purchases, the figure to lead
-- with. A plain sum over blocs is every foreign country's net purchases in the year.
select
    md5(concat_ws('|', bloc, year(period_start))) as bloc_flow_id,
    bloc,
    year(period_start) as year,
    net_purchases_usd_bn as best_available_net_purchases_usd_bn,
    countries_counted,
    custodial_centres_net_purchases_usd_bn,
    custodial_centres_counted,
    months_covered,
    months_covered = 12 as is_full_year,
    includes_series_break,
    bases
from {{ ref('int_bloc_flows') }}
where method = 'best_available' and period_type = 'year'
