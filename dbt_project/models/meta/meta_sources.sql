-- One row per registered source: how it is fetched, the newest vintage the marts read,
-- when it was released (null when unknown) and landed, the last period it covers, and
-- dbt's freshness verdict. The
-- facts come from the build step (WAREHOUSE_BUILD_FACTS, key source_status).
{%- set rows = source_status_rows() %}
{%- set columns = [
    'source_name', 'title', 'dbt_source', 'url', 'live_path', 'no_live_path', 'mirror_path', 'is_built',
    'latest_vintage_released_on',
    'release_date_basis', 'latest_vintage_sha256', 'landed_at', 'last_period_covered', 'freshness_status',
    'freshness_warn_after_days',
] %}
with status as (

    {{ facts_rows(rows, columns) }}

)

select
    cast(source_name as varchar) as source_name,
    cast(title as varchar) as title,
    cast(dbt_source as varchar) as dbt_source,
    cast(url as varchar) as url,
    cast(live_path as varchar) as live_path,
    cast(no_live_path as varchar) as no_live_path,
    cast(mirror_path as varchar) as mirror_path,
    cast(is_built as boolean) as is_built,
    cast(latest_vintage_released_on as date) as latest_vintage_released_on,
    cast(release_date_basis as varchar) as release_date_basis,
    cast(latest_vintage_sha256 as varchar) as latest_vintage_sha256,
    cast(landed_at as timestamptz) at time zone 'UTC' as landed_at,
    cast(last_period_covered as date) as last_period_covered,
    date_diff('day', cast(latest_vintage_released_on as date), cast('{{ run_fact("started_on") }}' as date))
        as days_since_release,
    date_diff(
        'day', cast(landed_at as timestamptz), cast('{{ run_fact("started_at") }}' as timestamptz)
    ) as days_since_changed,
    date_diff('day', cast(last_period_covered as date), cast('{{ run_fact("started_on") }}' as date))
        as days_since_last_period,
    cast(freshness_status as varchar) as freshness_status,
    cast(freshness_warn_after_days as integer) as freshness_warn_after_days,
    coalesce(cast(freshness_status as varchar) in ('warn', 'error'), false) as is_stale
from status
