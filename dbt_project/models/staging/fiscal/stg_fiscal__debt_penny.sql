with source as (

    select * from {{ source('fiscal', 'debt_penny') }}

),

renamed as (

    select
        md5(concat_ws('|', record_date, source_sha256)) as row_id,
        cast(record_date as date) as record_date,
        held_by_public_usd_mn,
        intragovernmental_usd_mn,
        total_usd_mn,
        {{ vintage_columns() }}
    from source

)

select * from renamed
