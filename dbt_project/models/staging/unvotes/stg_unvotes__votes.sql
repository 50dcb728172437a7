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
        {{ vintage_columns() }}
    from source

)

select * from renamed
