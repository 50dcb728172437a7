-- One row per month and asset class: long-term US securities held by the EU's members on
-- each date (fct_region_securities_holdings_monthly, region_code EU).
select
    period_month,
    asset_class,
    long_term_holdings_usd_bn,
    eu_memo_line_long_term_holdings_usd_bn,
    members_counted,
    vintage_released_on
from {{ ref('fct_region_securities_holdings_monthly') }}
where region_code = 'EU'
