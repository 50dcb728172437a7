-- Per month and vintage (primary series), the holders plus All Other must equal the Grand Total within
-- $1bn (rounding of ~45 rows to $0.1bn). Returns the months that do not.
with parts as (

    select
        period_month,
        vintage_sha256,
        sum(case when holder_kind in ('country', 'regional_group', 'all_other') then holdings_all_maturities_usd_bn end)
            as components_usd_bn,
        max(case when holder_kind = 'grand_total' then holdings_all_maturities_usd_bn end) as grand_total_usd_bn
    from {{ ref('fct_treasury_holdings_revisions') }}
    where not is_comparison_only
    group by period_month, vintage_sha256

)

select *
from parts
where
    grand_total_usd_bn is null
    or abs(components_usd_bn - grand_total_usd_bn) > 1.0
