with source as (

    select * from {{ source('fiscal', 'mspd_detail') }}

),

renamed as (

    select
        -- A reopened issue repeats its line: the position in the file tells the rows apart.
        md5(
            concat_ws('|', record_date, security_class, line_label, maturity_date, source_sha256, row_number() over ())
        ) as row_id,
        cast(record_date as date) as record_date,
        security_class,
        security_class_label,
        line_label,
        cusip,
        row_kind,
        cast(maturity_date as date) as maturity_date,
        outstanding_usd_mn,
        is_below_half_million,
        {{ vintage_columns() }}
    from source

)

select * from renamed
