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
        cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        landed_at
    from source

)

select * from renamed
