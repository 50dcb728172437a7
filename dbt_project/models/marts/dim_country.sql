-- One row per country (ISO3) and per aggregate the publishers report (TIC groups,
-- regional totals, residuals), with the codes each publisher uses.
with iso as (

    select
        iso3,
        coalesce(iso2, case when iso3 = 'NAM' then 'NA' end) as iso2,
        iso_numeric,
        coalesce(common_name, name) as country_name
    from {{ ref('iso_countries') }}
    union all
    -- Codes the overrides use that ISO 3166 has not assigned (Kosovo).
    select distinct
        overrides.iso3,
        null as iso2,
        null as iso_numeric,
        overrides.source_name as country_name
    from {{ ref('country_name_overrides') }} as overrides
    anti join {{ ref('iso_countries') }} as known on overrides.iso3 = known.iso3

),

tic as (

    select
        iso3,
        min(tic_name) filter (where source_table = 'mfhhis01') as tic_mfh_name,
        min(tic_name) as tic_name,
        min(tic_country_code) as tic_country_code,
        min(tic_region) as tic_region
    from {{ ref('int_tic_holders') }}
    where iso3 is not null
    group by iso3

),

voters as (

    select
        iso3,
        max(year) as last_un_vote_year
    from {{ ref('int_alignment_country_year') }}
    group by iso3

),

cow as (

    -- The code in use most recently where two COW codes share an ISO3 code.
    select
        iso3,
        arg_max(cow_code, last_year) as cow_code
    from {{ ref('int_cow_iso3') }}
    group by iso3

),

last_vote_year as (

    select max(year) as last_year from {{ ref('int_alignment_country_year') }}

),

countries as (

    select
        iso.iso3 as country_key,
        iso.iso3,
        iso.iso2,
        iso.iso_numeric,
        cow.cow_code,
        iso.country_name,
        tic.tic_name,
        tic.tic_mfh_name,
        tic.tic_country_code,
        tic.tic_region,
        eu.joined_on as eu_joined_on,
        eu.left_on as eu_left_on,
        eu.iso3 is not null and eu.left_on is null as is_eu27_member,
        custodial.iso3 is not null as is_custodial_centre,
        voters.last_un_vote_year,
        coalesce(voters.last_un_vote_year = last_vote_year.last_year, false) as has_un_votes,
        false as is_aggregate,
        cast(null as varchar) as aggregate_kind
    from iso
    left join tic on iso.iso3 = tic.iso3
    left join cow on iso.iso3 = cow.iso3
    left join {{ ref('eu_membership') }} as eu on iso.iso3 = eu.iso3
    left join {{ ref('custodial_centres') }} as custodial on iso.iso3 = custodial.iso3
    left join voters on iso.iso3 = voters.iso3
    cross join last_vote_year

),

aggregates as (

    select
        'TIC:' || holders.tic_name as country_key,
        null as iso3,
        null as iso2,
        null as iso_numeric,
        null as cow_code,
        holders.tic_name as country_name,
        holders.tic_name,
        max(case when holders.source_table = 'mfhhis01' then holders.tic_name end) as tic_mfh_name,
        min(holders.tic_country_code) as tic_country_code,
        min(holders.tic_region) as tic_region,
        null as eu_joined_on,
        null as eu_left_on,
        false as is_eu27_member,
        false as is_custodial_centre,
        null as last_un_vote_year,
        false as has_un_votes,
        true as is_aggregate,
        min(holders.aggregate_kind) as aggregate_kind
    from {{ ref('int_tic_holders') }} as holders
    where holders.iso3 is null and holders.aggregate_kind is not null
    group by holders.tic_name

)

select * from countries
union all
select * from aggregates
