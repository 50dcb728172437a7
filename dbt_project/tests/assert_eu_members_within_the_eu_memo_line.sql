-- The EU computed from the members SLT Table 1 names cannot exceed SLT's own EU memo line
-- (positions are not negative; the memo line also covers members SLT does not name).
-- Returns the months and asset classes where it does, beyond $1bn of rounding.
select
    period_month,
    asset_class,
    long_term_holdings_usd_bn as computed_eu_usd_bn,
    eu_memo_line_long_term_holdings_usd_bn,
    members_counted
from {{ ref('fct_region_securities_holdings_monthly') }}
where
    region_kind = 'computed'
    and long_term_holdings_usd_bn > eu_memo_line_long_term_holdings_usd_bn + 1.0
