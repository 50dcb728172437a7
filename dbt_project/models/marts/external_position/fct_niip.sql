-- US net international investment position: one row per period, source and vintage. BEA
-- table 1.2 gives assets, liabilities and net per year (lines 4, 36 and 1); FRED gives the
-- net position per quarter (IIPUSNETIQ) and per year (IIPUSNETIA), and assets and
-- liabilities per quarter (IIPUSASSQ, IIPUSLIAQ: one row, fred_iipusassq_iipusliaq, where a
-- release date has both; net = assets - liabilities). Every landed vintage is kept, so a
-- revision shows as two rows for a period; is_preferred marks the one to quote per date (the
-- newest release; on the same day BEA's own table, then FRED's assets and liabilities, then
-- the annual series, then the quarterly one, then the later landing) and preference_reason
-- says why.
with from_table as (

    select
        period_end,
        frequency,
        'bea_table_1_2' as source_table,
        max(value_usd_mn) filter (where table_line = 4) as assets_usd_mn,
        max(value_usd_mn) filter (where table_line = 36) as liabilities_usd_mn,
        max(value_usd_mn) filter (where table_line = 1) as net_usd_mn,
        vintage_released_on,
        vintage_sha256,
        max(landed_at) as landed_at
    from {{ ref('stg_bea__iip_table') }}
    where table_line in (1, 4, 36)
    group by period_end, frequency, vintage_released_on, vintage_sha256

),

from_fred as (

    select
        period_end,
        frequency,
        'fred_' || lower(series_id) as source_table,
        cast(null as double) as assets_usd_mn,
        cast(null as double) as liabilities_usd_mn,
        value as net_usd_mn,
        vintage_released_on,
        vintage_sha256,
        landed_at
    from {{ ref('stg_fred__series') }}
    where series_id in ('IIPUSNETIQ', 'IIPUSNETIA') and value is not null

),

from_fred_gross as (

    select
        assets.period_end,
        assets.frequency,
        'fred_iipusassq_iipusliaq' as source_table,
        assets.value as assets_usd_mn,
        liabilities.value as liabilities_usd_mn,
        assets.value - liabilities.value as net_usd_mn,
        assets.vintage_released_on,
        assets.vintage_sha256 || '+' || liabilities.vintage_sha256 as vintage_sha256,
        greatest(assets.landed_at, liabilities.landed_at) as landed_at
    from {{ ref('stg_fred__series') }} as assets
    inner join {{ ref('stg_fred__series') }} as liabilities
        on
            assets.period_end = liabilities.period_end
            and assets.vintage_released_on = liabilities.vintage_released_on
            and liabilities.series_id = 'IIPUSLIAQ'
    where
        assets.series_id = 'IIPUSASSQ'
        and assets.value is not null
        and liabilities.value is not null
    -- Two files of one series released the same day: the later landing of each.
    qualify row_number() over (
        partition by assets.period_end, assets.vintage_released_on
        order by assets.landed_at desc, liabilities.landed_at desc
    ) = 1

),

ranked as (

    select
        *,
        -- A position is a stock at a date: a year's end and its fourth quarter's end are the
        -- same period, so one figure is preferred per date whatever the frequency.
        row_number() over (
            partition by period_end
            order by
                vintage_released_on desc,
                case source_table
                    when 'bea_table_1_2' then 1
                    when 'fred_iipusassq_iipusliaq' then 2
                    when 'fred_iipusnetia' then 3
                    else 4
                end asc,
                landed_at desc,
                vintage_sha256 asc
        ) as preference,
        count(*) over (partition by period_end) as figures
    from (
        select * from from_table
        union all
        select * from from_fred
        union all
        select * from from_fred_gross
    ) as positions

),

preferred as (

    select
        period_end,
        source_table,
        net_usd_mn,
        vintage_released_on
    from ranked
    where preference = 1

),

second as (

    select
        period_end,
        vintage_released_on
    from ranked
    where preference = 2

)

select
    md5(concat_ws('|', ranked.period_end, ranked.frequency, ranked.source_table, ranked.vintage_sha256)) as niip_id,
    ranked.period_end,
    ranked.frequency,
    ranked.source_table,
    ranked.assets_usd_mn / 1000 as assets_usd_bn,
    ranked.liabilities_usd_mn / 1000 as liabilities_usd_bn,
    ranked.net_usd_mn / 1000 as net_usd_bn,
    ranked.vintage_released_on,
    ranked.vintage_sha256,
    ranked.preference = 1 as is_preferred,
    case
        when ranked.figures = 1 then 'only figure for the period'
        when ranked.preference = 1 and ranked.vintage_released_on > second.vintage_released_on
            then 'newest release (' || strftime(ranked.vintage_released_on, '%Y-%m-%d') || ')'
        when ranked.preference = 1
            then
                'released the same day as another figure: BEA table, then assets and liabilities, then annual,'
                || ' then quarterly, then the later landing'
        else
            'superseded by ' || preferred.source_table || ' released '
            || strftime(preferred.vintage_released_on, '%Y-%m-%d')
    end as preference_reason,
    (ranked.net_usd_mn - preferred.net_usd_mn) / 1000 as net_minus_preferred_usd_bn
from ranked
inner join preferred on ranked.period_end = preferred.period_end
left join second on ranked.period_end = second.period_end
