with source as (

    select * from {{ source('ewn', 'dataset') }}

),

renamed as (

    select
        md5(concat_ws('|', country_name, year, source_sha256)) as row_id,
        country_name as ewn_country_name,
        ifs_code,
        year,
        fx_reserves_excl_gold_usd_mn,
        total_assets_excl_gold_usd_mn,
        total_liabilities_usd_mn,
        official_iip_usd_mn,
        portfolio_debt_liabilities_usd_mn,
        portfolio_equity_liabilities_usd_mn,
        gdp_usd_mn,
        {{ vintage_columns() }}
    from source

)

select * from renamed
