with source as (

    select * from {{ source('voeten', 'ideal_points') }}

),

renamed as (

    select
        md5(concat_ws('|', ccode, year, source_sha256)) as row_id,
        cast(ccode as integer) as cow_code,
        iso3c as iso3_code,
        country_name,
        year,
        ideal_point_final_passage,
        ideal_point_all,
        ideal_point_legacy,
        votes_final_passage,
        votes_all,
        {{ vintage_columns() }}
    from source

)

select * from renamed
