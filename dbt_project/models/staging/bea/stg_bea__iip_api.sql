with source as (

    select * from {{ source('bea', 'iip_api') }}

),

renamed as (

    select
        md5(concat_ws('|', type_of_investment, period_end, frequency, source_sha256)) as row_id,
        type_of_investment,
        series_description,
        position,
        cast(period_end as date) as period_end,
        frequency,
        value_usd_mn,
        is_not_available,
        {{ vintage_columns() }}
    from source

)

select * from renamed
