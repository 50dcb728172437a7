with source as (

    select * from {{ source('fred', 'series') }}

),

renamed as (

    select
        md5(concat_ws('|', series_id, observation_date, source_sha256)) as row_id,
        series_id,
        cast(observation_date as date) as period_start,
        cast(last_day(observation_date + interval 2 month) as date) as period_end,
        value,
        unit,
        frequency,
        {{ vintage_columns() }}
    from source

)

select * from renamed
