with holdings as (

    select * from {{ ref('stg_tic__major_foreign_holders') }}
    -- The old series at a break is for comparison only; the mart keeps the primary one.
    where not is_comparison_only

),

latest_vintage as (

    select max(vintage_released_on) as vintage_released_on
    from holdings

)

select
    holdings.holding_id,
    holdings.holder_name,
    holdings.holder_kind,
    holdings.is_country,
    holdings.period_month,
    holdings.vintage_released_on,
    holdings.vintage_sha256,
    holdings.holdings_usd_bn,
    holdings.series,
    'mfhhis01' as source_table,
    holdings.footnote_markers,
    holdings.vintage_released_on = latest_vintage.vintage_released_on as is_latest_vintage
from holdings
cross join latest_vintage
