with source as (

    select * from {{ source('wgc', 'gold_changes') }}

),

renamed as (

    select
        md5(concat_ws('|', country_name, frequency, period_start, source_sha256)) as row_id,
        country_name as wgc_country_name,
        frequency,
        cast(period_start as date) as period_start,
        change_tonnes,
        comments,
        {{ vintage_columns() }}
    from source

)

select * from renamed
