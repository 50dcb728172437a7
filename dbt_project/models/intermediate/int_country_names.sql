-- Every name a publisher may use for a country, lower-cased, with its ISO3 code:
-- ISO 3166 names (short, common, official) and the documented overrides.
with iso_names as (

    select
        lower(name) as name_key,
        iso3,
        'iso_name' as matched_by
    from {{ ref('iso_countries') }}
    union all
    select
        lower(common_name) as name_key,
        iso3,
        'iso_common_name' as matched_by
    from {{ ref('iso_countries') }}
    where common_name is not null
    union all
    select
        lower(official_name) as name_key,
        iso3,
        'iso_official_name' as matched_by
    from {{ ref('iso_countries') }}
    where official_name is not null

),

overrides as (

    select
        lower(trim(source_name)) as name_key,
        iso3,
        'override' as matched_by
    from {{ ref('country_name_overrides') }}

),

ranked as (

    select
        name_key,
        iso3,
        matched_by,
        row_number() over (
            partition by name_key
            order by case matched_by when 'override' then 0 when 'iso_name' then 1 else 2 end
        ) as preference
    from (
        select * from overrides
        union all
        select * from iso_names
    ) as candidates

)

select
    name_key,
    iso3,
    matched_by
from ranked
where preference = 1
