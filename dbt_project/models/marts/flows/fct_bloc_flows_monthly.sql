-- One row per bloc and month: best-available net purchases. A plain sum over blocs is
-- every foreign country's net purchases in the month.
select
    md5(concat_ws('|', bloc, period_start)) as bloc_flow_id,
    bloc,
    period_start as period_month,
    net_purchases_usd_bn as best_available_net_purchases_usd_bn,
    countries_counted,
    custodial_centres_net_purchases_usd_bn,
    custodial_centres_counted,
    includes_series_break,
    bases
from {{ ref('int_bloc_flows') }}
where method = 'best_available' and period_type = 'month'
