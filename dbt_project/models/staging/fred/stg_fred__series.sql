with source as (

    select * from {{ source('fred', 'series') }}

),

renamed as (

    select
        md5(concat_ws('|', series_id, observation_date, source_sha256)) as row_id,
        series_id,
        cast(observation_date as date) as period_start,
        -- FRED dates a period by its first day: a quarter ends 2 months later, a year 11.
        case
            when frequency = 'annual' then cast(last_day(observation_date + interval 11 month) as date)
            else cast(last_day(observation_date + interval 2 month) as date)
        end as period_end,
        value,
        unit,
        frequency,
        {{ vintage_columns() }}
    from source

)

select * from renamed
