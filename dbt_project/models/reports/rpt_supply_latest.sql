-- One row: the latest month with both marketable debt (MSPD) and foreign holdings (TIC).
select
    period_month,
    marketable_usd_bn,
    foreign_usd_bn,
    marketable_foreign_share
from {{ ref('fct_treasury_supply_monthly') }}
where foreign_usd_bn is not null
order by period_month desc
limit 1
