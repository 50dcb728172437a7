with holdings as (

    select * from {{ ref('stg_tic__major_foreign_holders') }}
    -- The old series at a break is for comparison only; the mart keeps the primary one.
    where not is_comparison_only

),

latest_vintage as (

    select distinct vintage_sha256
    from holdings
    where {{ is_latest_vintage(ref('stg_tic__major_foreign_holders')) }}

),

countries as (

    select * from {{ ref('dim_country') }}

),

holder_countries as (

    -- Major-foreign-holder names to countries (ISO3) or TIC aggregates.
    select
        holders.tic_name,
        coalesce(holders.iso3, 'TIC:' || holders.tic_name) as country_key
    from {{ ref('int_tic_holders') }} as holders
    where holders.source_table = 'mfhhis01'

),

blocs as (

    select * from {{ ref('dim_bloc_membership') }}

)

select
    holdings.holding_id,
    holdings.holder_name,
    holdings.holder_kind,
    holdings.is_country,
    holder_countries.country_key,
    countries.iso3,
    holdings.period_month,
    holdings.vintage_released_on,
    holdings.vintage_sha256,
    holdings.holdings_usd_bn,
    holdings.series,
    'mfhhis01' as source_table,
    holdings.footnote_markers,
    holdings.vintage_sha256 = latest_vintage.vintage_sha256 as is_latest_vintage,
    case
        when blocs.bloc is not null then blocs.bloc
        when not holdings.is_country then 'not_classified_aggregate'
        when countries.has_un_votes then 'not_classified_not_ranked'
        else 'not_classified_no_un_votes'
    end as bloc,
    blocs.is_carried_forward as is_bloc_carried_forward,
    coalesce(countries.is_custodial_centre, false) as is_custodial_centre,
    {{ eu_member_on('countries', 'holdings.period_month') }} as is_eu_member_then
from holdings
cross join latest_vintage
left join holder_countries on holdings.holder_name = holder_countries.tic_name
left join countries on holder_countries.country_key = countries.country_key
left join blocs
    on
        countries.iso3 = blocs.iso3
        and year(holdings.period_month) = blocs.year
