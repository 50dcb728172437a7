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
        cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        landed_at
    from source

)

select * from renamed
