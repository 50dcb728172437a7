-- One row per month since 2000 and group: foreign holdings of Treasuries (all maturities)
-- by bloc, with the custodial centres drawn apart from the bloc they vote with.
select
    period_month,
    case when is_custodial_centre then 'custodial_centres' else bloc end as bloc_or_custodial,
    sum(holdings_all_maturities_usd_bn) as holdings_all_maturities_usd_bn
from {{ ref('fct_treasury_holdings_monthly') }}
where period_month >= date '2000-01-01'
group by all
