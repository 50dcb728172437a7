with source as (

    select * from {{ source('imf', 'gold_reserves') }}

),

renamed as (

    select
        md5(concat_ws('|', country_name, period_end, source_sha256)) as row_id,
        country_name as imf_country_name,
        cast(period_end as date) as period_end,
        gold_fine_troy_oz,
        gold_tonnes,
        gold_fine_troy_oz < 0 as is_negative_reported,
        {{ vintage_columns() }}
    from source

)

select * from renamed
