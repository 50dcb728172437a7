with source as (

    select * from {{ source('tic', 'major_foreign_holders') }}

),

renamed as (

    select
        md5(concat_ws('|', country, period_month, series, source_sha256)) as holding_id,
        country as holder_name,
        row_kind as holder_kind,
        is_country,
        cast(period_month as date) as period_month,
        series,
        is_comparison_only,
        holdings_usd_bn,
        is_below_threshold,
        nullif(footnotes, '') as footnote_markers,
        source_line,
        cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        source_url,
        landed_at
    from source

)

select * from renamed
