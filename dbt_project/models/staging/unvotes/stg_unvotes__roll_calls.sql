with source as (

    select * from {{ source('unvotes', 'roll_calls') }}

),

renamed as (

    select
        md5(concat_ws('|', rcid, source_sha256)) as row_id,
        rcid as roll_call_id,
        session,
        cast(vote_date as date) as vote_date,
        year(vote_date) as vote_year,
        resolution,
        is_amendment,
        is_paragraph,
        is_important_vote,
        short_title,
        description,
        {{ vintage_columns() }}
    from source

)

select * from renamed
