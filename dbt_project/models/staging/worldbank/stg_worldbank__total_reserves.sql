with source as (

    select * from {{ source('worldbank', 'total_reserves') }}

),

renamed as (

    select
        md5(concat_ws('|', country_code, year, source_sha256)) as row_id,
        country_name,
        country_code as wb_country_code,
        indicator_code,
        year,
        value_usd as total_reserves_usd,
        {{ vintage_columns() }}
    from source

)

select * from renamed
