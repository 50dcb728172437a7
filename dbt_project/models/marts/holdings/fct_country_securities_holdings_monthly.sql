-- Long-term US securities held by each country TIC SLT Table 1 names, per month and
-- asset class (treasury, agency, corporate_bond, equity), newest release: a plain sum
-- over countries is the named countries' holdings.
with holdings as (

    select * from {{ ref('int_slt_holdings_by_asset_class') }}
    where holder_kind = 'country'

),

holder_countries as (

    select
        tic_country_code,
        iso3
    from {{ ref('int_tic_holders') }}
    where source_table = 'slt_table1' and iso3 is not null

),

countries as (

    select * from {{ ref('dim_country') }}

),

blocs as (

    select * from {{ ref('dim_bloc_membership') }}

)

select
    md5(concat_ws('|', holdings.tic_country_code, holdings.period_month, holdings.asset_class)) as holding_id,
    holder_countries.iso3,
    holdings.holder_name,
    holdings.tic_country_code,
    holdings.period_month,
    holdings.asset_class,
    holdings.holdings_usd_bn as long_term_holdings_usd_bn,
    holdings.net_purchases_usd_bn as long_term_net_purchases_usd_bn,
    holdings.valuation_change_usd_bn as long_term_valuation_change_usd_bn,
    {{ holder_classification('countries', 'blocs', 'holdings.period_month') }},
    holdings.vintage_released_on,
    holdings.vintage_sha256
from holdings
inner join holder_countries on holdings.tic_country_code = holder_countries.tic_country_code
left join countries on holder_countries.iso3 = countries.country_key
left join blocs on holder_countries.iso3 = blocs.iso3 and year(holdings.period_month) = blocs.year
