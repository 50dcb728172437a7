with source as (

    select * from {{ source('unvotes', 'votes') }}

),

renamed as (

    select
        md5(concat_ws('|', rcid, country_name, source_sha256)) as row_id,
        rcid as roll_call_id,
        country_name,
        country_code as iso2_code,
        vote,
        vote_code,
        cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        landed_at
    from source

)

select * from renamed
