-- US net international investment position: assets, liabilities and net, per year (BEA
-- table 1.2, lines 4, 36 and 1) and per quarter (FRED IIPUSNETIQ, net only), latest vintage
-- of each (one landed file, even when two were released the same day).
with table_lines as (

    select *
    from {{ ref('stg_bea__iip_table') }}
    where
        table_line in (1, 4, 36)
        and {{ is_latest_vintage(ref('stg_bea__iip_table')) }}

),

from_table as (

    select
        period_end,
        frequency,
        'bea_table_1_2' as source_table,
        max(value_usd_mn) filter (where table_line = 4) as assets_usd_mn,
        max(value_usd_mn) filter (where table_line = 36) as liabilities_usd_mn,
        max(value_usd_mn) filter (where table_line = 1) as net_usd_mn,
        max(vintage_released_on) as vintage_released_on
    from table_lines
    group by period_end, frequency

),

from_fred as (

    select
        fred.period_end,
        fred.frequency,
        'fred_' || lower(fred.series_id) as source_table,
        null as assets_usd_mn,
        null as liabilities_usd_mn,
        fred.value as net_usd_mn,
        fred.vintage_released_on
    from {{ ref('stg_fred__series') }} as fred
    where
        fred.series_id = 'IIPUSNETIQ'
        and {{ is_latest_vintage(ref('stg_fred__series'), 'fred', partition_by='series_id') }}

)

select
    md5(concat_ws('|', period_end, frequency, source_table)) as niip_id,
    *
from (
    select * from from_table
    union all
    select * from from_fred
) as positions
