-- One row per region and asset class in the latest month: Total Europe (as SLT prints it)
-- and the EU computed from its members then, beside SLT's EU memo line.
with latest as (

    select max(period_month) as period_month
    from {{ ref('fct_region_securities_holdings_monthly') }}

)

select
    regions.region_code,
    regions.region_name,
    regions.asset_class,
    regions.period_month,
    regions.long_term_holdings_usd_bn,
    regions.eu_memo_line_long_term_holdings_usd_bn
from {{ ref('fct_region_securities_holdings_monthly') }} as regions
inner join latest on regions.period_month = latest.period_month
where
    (regions.region_code = 'EU' or regions.region_name = 'Total Europe')
    and regions.asset_class in ('treasury', 'corporate_bond', 'equity')
