-- Every figure of every landed release of the major-foreign-holders table, both series
-- at a break: holder x month x series x vintage, with the figure the previous release
-- printed for the same holder, month and series and the revision between them.
with figures as (

    select * from {{ ref('stg_tic__major_foreign_holders') }}

),

latest_vintage as (

    select distinct vintage_sha256
    from {{ ref('stg_tic__major_foreign_holders_latest') }}

),

ordered as (

    select
        figures.*,
        lag(figures.holdings_usd_bn) over by_vintage as previous_holdings_all_maturities_usd_bn,
        lag(figures.vintage_released_on) over by_vintage as previous_vintage_released_on
    from figures
    window by_vintage as (
        partition by figures.holder_name, figures.period_month, figures.series
        order by figures.vintage_released_on, figures.landed_at
    )

)

select
    ordered.holding_id,
    ordered.holder_name,
    ordered.holder_kind,
    ordered.period_month,
    ordered.series,
    ordered.is_comparison_only,
    ordered.holdings_usd_bn as holdings_all_maturities_usd_bn,
    ordered.vintage_released_on,
    ordered.vintage_sha256,
    ordered.vintage_sha256 = latest_vintage.vintage_sha256 as is_latest_vintage,
    ordered.previous_vintage_released_on,
    ordered.previous_holdings_all_maturities_usd_bn,
    ordered.holdings_usd_bn - ordered.previous_holdings_all_maturities_usd_bn as revision_usd_bn
from ordered
cross join latest_vintage
