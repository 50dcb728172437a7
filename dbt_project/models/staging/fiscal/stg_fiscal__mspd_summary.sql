with source as (

    select * from {{ source('fiscal', 'mspd_summary') }}

),

renamed as (

    select
        md5(concat_ws('|', record_date, security_type, security_class, source_sha256)) as row_id,
        cast(record_date as date) as record_date,
        security_type,
        nullif(security_class, '') as security_class,
        row_kind,
        -- The publisher's labels changed over time; one name per class for the marts.
        case
            when security_type = 'Marketable' and security_class = 'Bills' then 'bills'
            when security_type = 'Marketable' and security_class = 'Notes' then 'notes'
            when security_type = 'Marketable' and security_class = 'Bonds' then 'bonds'
            when
                security_type = 'Marketable'
                and (
                    security_class = 'Treasury Inflation-Protected Securities'
                    or security_class like 'Inflation-Indexed%'
                )
                then 'tips'
            when security_type = 'Marketable' and security_class = 'Floating Rate Notes' then 'frn'
            when
                security_type = 'Marketable' and security_class = 'Federal Financing Bank'
                then 'federal_financing_bank'
            when security_type = 'Marketable' then 'other_marketable'
            when security_type = 'Total Marketable' then 'total_marketable'
            when security_type = 'Total Nonmarketable' then 'total_nonmarketable'
            when row_kind = 'grand_total' then 'total_public_debt'
            else 'nonmarketable'
        end as class_code,
        held_by_public_usd_mn,
        intragovernmental_usd_mn,
        total_usd_mn,
        {{ vintage_columns() }}
    from source

)

select * from renamed
