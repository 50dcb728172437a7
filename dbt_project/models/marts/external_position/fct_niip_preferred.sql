-- One row per date: the net international investment position to quote (fct_niip's
-- preferred figure: the newest release; on the same day the BEA table, then the annual
-- series, then the quarterly, then the later landing).
select
    period_end,
    frequency,
    source_table,
    assets_usd_bn,
    liabilities_usd_bn,
    net_usd_bn,
    vintage_released_on,
    vintage_sha256,
    preference_reason
from {{ ref('fct_niip') }}
where is_preferred
