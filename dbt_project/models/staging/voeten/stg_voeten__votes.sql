with source as (

    select * from {{ source('voeten', 'votes') }}

),

renamed as (

    select
        md5(concat_ws('|', rcid, country_code, source_sha256)) as row_id,
        rcid as roll_call_id,
        cast(country_code as integer) as cow_code,
        vote,
        vote_code,
        session,
        cast(vote_date as date) as vote_date,
        vote_year,
        resolution,
        is_important_vote,
        {{ vintage_columns() }}
    from source

)

select * from renamed
