-- One row per end of year: the net position to quote (fct_niip_preferred) and, beside it,
-- the newest release that gives assets and liabilities for that date (the report's gap
-- chart draws those; FRED's annual net series gives the net alone).
with preferred as (

    select
        period_end,
        net_usd_bn,
        source_table as net_source_table,
        vintage_released_on as net_vintage_released_on
    from {{ ref('fct_niip_preferred') }}
    where month(period_end) = 12  -- a year's end, from an annual or a fourth-quarter figure

),

gross as (

    select
        period_end,
        assets_usd_bn,
        liabilities_usd_bn,
        source_table as gross_source_table,
        vintage_released_on as gross_vintage_released_on
    from {{ ref('fct_niip') }}
    where month(period_end) = 12 and assets_usd_bn is not null and liabilities_usd_bn is not null
    qualify row_number() over (
        partition by period_end order by vintage_released_on desc, source_table asc, vintage_sha256 asc
    ) = 1

)

select
    coalesce(preferred.period_end, gross.period_end) as period_end,
    preferred.net_usd_bn,
    preferred.net_source_table,
    preferred.net_vintage_released_on,
    gross.assets_usd_bn,
    gross.liabilities_usd_bn,
    gross.gross_source_table,
    gross.gross_vintage_released_on
from preferred
full outer join gross on preferred.period_end = gross.period_end
