with source as (

    select * from {{ source('unvotes', 'votes') }}

),

renamed as (

    select
        rcid as roll_call_id,
        country_name,
        country_code as iso2_code,
        vote,
        vote_code,
        {{ vintage_columns() }}
    from source

)

select * from renamed
