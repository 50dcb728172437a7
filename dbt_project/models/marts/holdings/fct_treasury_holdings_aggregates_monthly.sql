-- The aggregate lines of the major-foreign-holders table by month, newest release and
-- primary series: Grand Total, All Other, the regional groups TIC printed in earlier
-- years (and country groups such as Belgium-Luxembourg), and the "of which" lines
-- (foreign official, bills, bonds and notes): every line fct_treasury_holdings_monthly
-- does not hold.
with holder_countries as (

    select tic_name
    from {{ ref('int_tic_holders') }}
    where source_table = 'mfhhis01' and iso3 is not null

)

select
    holdings.holding_id,
    holdings.holder_name,
    case when holdings.holder_kind = 'country' then 'country_group' else holdings.holder_kind end as holder_kind,
    holdings.period_month,
    holdings.holdings_usd_bn as holdings_all_maturities_usd_bn,
    holdings.series,
    holdings.footnote_markers,
    'mfhhis01' as source_table,
    holdings.vintage_released_on,
    holdings.vintage_sha256
from {{ ref('stg_tic__major_foreign_holders_latest') }} as holdings
where
    not holdings.is_comparison_only
    and not (
        holdings.holder_kind = 'country'
        and holdings.holder_name in (select holder_countries.tic_name from holder_countries)
    )
