-- One row per bloc, method and calendar year: the yearly figures of every method side by
-- side, to compare them. Methods are alternatives: sum within one method only.
select
    md5(concat_ws('|', bloc, method, year(period_start))) as bloc_flow_id,
    bloc,
    method,
    year(period_start) as year,
    net_purchases_usd_bn,
    countries_counted,
    custodial_centres_net_purchases_usd_bn,
    custodial_centres_counted,
    months_covered,
    includes_series_break,
    bases
from {{ ref('int_bloc_flows') }}
where period_type = 'year'
