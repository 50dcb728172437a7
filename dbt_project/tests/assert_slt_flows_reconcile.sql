-- SLT Table 1's change in a country's long-term Treasury holdings is its net purchases
-- plus its valuation change, up to TIC's other adjustments. Warns (the build goes on)
-- for the country-months where the residual exceeds both reconciliation_warn_share of
-- the previous month's holdings and reconciliation_warn_min_usd_bn: a publisher
-- revision, a re-based series or a parse slip (a figure in the wrong column) shows here.
{{ config(severity='warn') }}

select
    iso3,
    holder_name,
    period_month,
    slt_holdings_usd_bn - slt_holdings_change_usd_bn as previous_holdings_usd_bn,
    slt_holdings_change_usd_bn,
    reported_net_purchases_usd_bn,
    valuation_change_usd_bn,
    reconciliation_residual_usd_bn
from {{ ref('fct_country_flows_monthly') }}
where
    abs(reconciliation_residual_usd_bn) > {{ var('reconciliation_warn_min_usd_bn') }}
    and abs(reconciliation_residual_usd_bn)
    > {{ var('reconciliation_warn_share') }} * abs(slt_holdings_usd_bn - slt_holdings_change_usd_bn)
