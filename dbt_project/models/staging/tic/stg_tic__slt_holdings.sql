with source as (

    select * from {{ source('tic', 'slt_table1') }}

),

renamed as (

    select
        md5(concat_ws('|', country_code, period_month, source_sha256)) as row_id,
        country as holder_name,
        country_code as tic_country_code,
        row_kind as holder_kind,
        cast(period_month as date) as period_month,
        for_lt_treas_pos_usd_mn as treasury_holdings_usd_mn,
        for_lt_treas_net_usd_mn as treasury_net_purchases_usd_mn,
        for_lt_treas_valchg_usd_mn as treasury_valuation_change_usd_mn,
        for_lt_agcy_pos_usd_mn as agency_holdings_usd_mn,
        for_lt_agcy_net_usd_mn as agency_net_purchases_usd_mn,
        for_lt_agcy_valchg_usd_mn as agency_valuation_change_usd_mn,
        for_lt_corp_pos_usd_mn as corporate_bond_holdings_usd_mn,
        for_lt_corp_net_usd_mn as corporate_bond_net_purchases_usd_mn,
        for_lt_corp_valchg_usd_mn as corporate_bond_valuation_change_usd_mn,
        for_lt_eqty_pos_usd_mn as equity_holdings_usd_mn,
        for_lt_eqty_net_usd_mn as equity_net_purchases_usd_mn,
        for_lt_eqty_valchg_usd_mn as equity_valuation_change_usd_mn,
        for_lt_total_pos_usd_mn as total_holdings_usd_mn,
        for_lt_total_net_usd_mn as total_net_purchases_usd_mn,
        for_lt_total_valchg_usd_mn as total_valuation_change_usd_mn,
        {{ vintage_columns() }}
    from source

)

select * from renamed
