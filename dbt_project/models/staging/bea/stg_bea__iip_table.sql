with source as (

    select * from {{ source('bea', 'iip_table') }}

),

renamed as (

    select
        md5(concat_ws('|', table_line, period_end, source_sha256)) as row_id,
        table_line,
        line_label,
        indent_level,
        position,
        cast(period_end as date) as period_end,
        frequency,
        value_usd_mn,
        is_not_available,
        {{ vintage_columns() }}
    from source

)

select * from renamed
