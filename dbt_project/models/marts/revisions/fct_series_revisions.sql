-- Revisions are data: per series and period, every landed vintage's value and the change
-- from the vintage before it. FRED series (each file one vintage of one series) and the
-- TIC major-holders table (each mfhhis01.txt release one vintage of every holder, primary
-- series). Vintages are ordered by release date, then landing time.
with observations as (

    select
        'fred' as source_family,
        series_id as series_key,
        series_id as series_name,
        unit,
        period_end,
        value as observed_value,
        vintage_released_on,
        vintage_sha256,
        landed_at
    from {{ ref('stg_fred__series') }}
    where value is not null

    union all

    select
        'tic_mfh' as source_family,
        'tic_mfh:' || holder_name as series_key,
        holder_name as series_name,
        'usd_bn' as unit,
        cast(last_day(period_month) as date) as period_end,
        holdings_usd_bn as observed_value,
        vintage_released_on,
        vintage_sha256,
        landed_at
    from {{ ref('stg_tic__major_foreign_holders') }}
    where not is_comparison_only and holdings_usd_bn is not null

),

ordered as (

    select
        *,
        row_number() over (
            partition by series_key, period_end order by vintage_released_on, landed_at, vintage_sha256
        ) as vintage_number,
        count(*) over (partition by series_key, period_end) as vintages
    from observations

),

with_previous as (

    select
        *,
        lag(observed_value) over (partition by series_key, period_end order by vintage_number) as previous_value,
        lag(vintage_released_on) over (
            partition by series_key, period_end order by vintage_number
        ) as previous_vintage_released_on
    from ordered

)

select
    md5(concat_ws('|', series_key, period_end, vintage_sha256)) as revision_id,
    source_family,
    series_key,
    series_name,
    unit,
    period_end,
    vintage_number,
    vintages,
    vintage_number = vintages as is_latest_vintage,
    observed_value,
    previous_value,
    round(observed_value - previous_value, 6) as change_from_previous,
    (observed_value - previous_value) / nullif(abs(previous_value), 0) as relative_change_from_previous,
    previous_vintage_released_on,
    vintage_released_on,
    vintage_sha256
from with_previous
