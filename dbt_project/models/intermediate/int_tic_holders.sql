-- Every holder the TIC tables name, with its ISO3 code or its kind of aggregate.
with named as (

    select distinct
        holder_name as tic_name,
        cast(null as varchar) as tic_country_code,
        holder_kind = 'country' as is_country_row,
        'mfhhis01' as source_table
    from {{ ref('stg_tic__major_foreign_holders') }}
    where holder_kind <> 'of_which'
    union all
    select distinct
        holder_name as tic_name,
        tic_country_code,
        holder_kind = 'country' as is_country_row,
        'slt_table1' as source_table
    from {{ ref('stg_tic__slt_holdings') }}
    where holder_kind <> 'of_which'
    union all
    select distinct
        holder_name as tic_name,
        tic_country_code,
        true as is_country_row,
        'shlhistdat' as source_table
    from {{ ref('stg_tic__annual_survey_holdings') }}

)

select
    named.tic_name,
    named.tic_country_code,
    named.source_table,
    country_names.iso3,
    country_names.matched_by,
    aggregates.aggregate_kind,
    case left(named.tic_country_code, 1)
        when '1' then 'Europe'
        when '2' then 'Canada'
        when '3' then 'Latin America and Caribbean'
        when '4' then 'Asia'
        when '5' then 'Africa'
        when '6' then 'Other'
        when '7' then 'International organisations'
    end as tic_region
from named
left join {{ ref('int_country_names') }} as country_names
    on lower(trim(named.tic_name)) = country_names.name_key
left join {{ ref('tic_aggregates') }} as aggregates
    on named.tic_name = aggregates.tic_name
