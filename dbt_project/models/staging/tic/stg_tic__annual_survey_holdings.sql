with source as (

    select * from {{ source('tic', 'annual_survey') }}

),

renamed as (

    select
        md5(concat_ws('|', country_code, survey_date, maturity, asset_class, source_sha256)) as row_id,
        country as holder_name,
        country_code as tic_country_code,
        nullif(footnotes, '') as footnote_markers,
        cast(survey_date as date) as survey_date,
        maturity,
        asset_class,
        holdings_usd_mn,
        is_below_threshold,
        {{ vintage_columns() }}
    from source

)

select * from renamed
