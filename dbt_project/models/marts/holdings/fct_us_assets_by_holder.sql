-- Foreign holdings of US securities by holder, survey date, maturity and asset class (TIC
-- annual survey, latest vintage), with the EU-27 (members at each survey date) as a holder.
with survey as (

    select *
    from {{ ref('stg_tic__annual_survey_holdings_latest') }}

),

holders as (

    select
        tic_name,
        tic_country_code,
        coalesce(iso3, 'TIC:' || tic_name) as country_key
    from {{ ref('int_tic_holders') }}
    where source_table = 'shlhistdat'

),

by_country as (

    select
        holders.country_key as holder_key,
        survey.holder_name,
        survey.survey_date,
        survey.maturity,
        survey.asset_class,
        survey.holdings_usd_mn,
        survey.is_below_threshold,
        countries.is_aggregate,
        {{ eu_member_on('countries', 'survey.survey_date') }} as is_eu_member_then
    from survey
    inner join holders
        on survey.tic_country_code = holders.tic_country_code and survey.holder_name = holders.tic_name
    left join {{ ref('dim_country') }} as countries on holders.country_key = countries.country_key

),

eu as (

    select
        'EU' as holder_key,
        'European Union (members at the survey date)' as holder_name,
        survey_date,
        maturity,
        asset_class,
        sum(holdings_usd_mn) as holdings_usd_mn,
        false as is_below_threshold,
        true as is_aggregate,
        true as is_eu_member_then
    from by_country
    where is_eu_member_then
    group by survey_date, maturity, asset_class

)

select
    md5(concat_ws('|', holder_key, survey_date, maturity, asset_class)) as us_assets_id,
    * exclude (holdings_usd_mn),
    holdings_usd_mn / 1000 as survey_holdings_usd_bn
from (
    select * from by_country
    union all
    select * from eu
) as holdings
