-- Bloc per country and year under every bloc definition (macros/blocs.sql): the default
-- one the marts use and the sensitivity grid. A definition averages its measure over
-- window_years, ranks the countries of its universe each year by percent rank (higher
-- is closer to the US; for the ideal-point distance smaller is closer), and cuts at
-- lower_cutoff and upper_cutoff. A year without a measurement takes the country's latest
-- one, when that is at most bloc_max_carry_years older than the definition's last
-- measured year: countries carry the last classification to the present (roll calls
-- here end in 2019, ideal points in 2024) and a member that stopped voting for a few
-- years (Venezuela, in arrears since 2022) keeps its last bloc, flagged.
{%- set definitions = bloc_definitions() %}
{%- set windows = definitions | map(attribute='window_years') | unique | list %}
{%- set last_year = var('bloc_last_year') %}
with definitions as (

    {%- for definition in definitions %}
        select
            '{{ definition.id }}' as bloc_definition_id,
            {{ definition.is_default }} as is_default,
            '{{ definition.measure }}' as measure,
            '{{ definition.universe }}' as universe,
            {{ definition.window_years }} as window_years,
            cast({{ definition.lower_cutoff }} as double) as lower_cutoff,
            cast({{ definition.upper_cutoff }} as double) as upper_cutoff
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

tic_holders as (

    select distinct holders.iso3
    from {{ ref('int_tic_holders') }} as holders
    where holders.source_table = 'slt_table1' and holders.iso3 is not null

),

measured as (

    select
        iso3,
        year,
        'coincidence' as measure,
        coincidence as measure_value
    from {{ ref('int_alignment_country_year') }}
    where coincidence is not null
    union all
    select
        iso3,
        year,
        'agreement' as measure,
        agreement as measure_value
    from {{ ref('int_alignment_country_year') }}
    where agreement is not null
    union all
    select
        iso3,
        year,
        'ideal_point_distance' as measure,
        ideal_point_distance as measure_value
    from {{ ref('int_alignment_country_year') }}
    where ideal_point_distance is not null

),

windowed as (

    {%- for window_years in windows %}
        select
            measure,
            iso3,
            year,
            {{ window_years }} as window_years,
            avg(measure_value) over (
                partition by measure, iso3 order by year
                range between {{ window_years - 1 }} preceding and current row
            ) as measure_value
        from measured
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

ranked as (

    select
        definitions.bloc_definition_id,
        windowed.iso3,
        windowed.year,
        windowed.measure_value,
        percent_rank() over (
            partition by definitions.bloc_definition_id, windowed.year
            order by case when definitions.measure = 'ideal_point_distance' then -1 else 1 end * windowed.measure_value
        ) as alignment_rank
    from windowed
    inner join definitions
        on windowed.measure = definitions.measure and windowed.window_years = definitions.window_years
    where
        definitions.universe = 'un_members'
        or windowed.iso3 in (select tic_holders.iso3 from tic_holders)

),

assigned as (

    select
        ranked.*,
        case
            when ranked.alignment_rank >= definitions.upper_cutoff then 'most_aligned'
            when ranked.alignment_rank < definitions.lower_cutoff then 'least_aligned'
            else 'neutral'
        end as bloc
    from ranked
    inner join definitions on ranked.bloc_definition_id = definitions.bloc_definition_id

),

definition_spans as (

    select
        bloc_definition_id,
        max(year) as last_measured_year
    from assigned
    group by bloc_definition_id

),

country_years as (

    select
        assigned.bloc_definition_id,
        assigned.iso3,
        unnest(range(min(assigned.year), {{ last_year | int if last_year else 'year(current_date)' }} + 1)) as year
    from assigned
    group by assigned.bloc_definition_id, assigned.iso3

),

filled as (

    select
        country_years.bloc_definition_id,
        country_years.iso3,
        country_years.year,
        assigned.year as measured_year,
        assigned.measure_value,
        assigned.alignment_rank,
        assigned.bloc
    from country_years
    asof inner join assigned
        on
            country_years.bloc_definition_id = assigned.bloc_definition_id
            and country_years.iso3 = assigned.iso3
            and country_years.year >= assigned.year

)

select
    filled.bloc_definition_id,
    definitions.is_default,
    filled.iso3,
    filled.year,
    filled.bloc,
    definitions.measure,
    definitions.universe,
    definitions.window_years,
    definitions.lower_cutoff,
    definitions.upper_cutoff,
    filled.measure_value,
    filled.alignment_rank,
    filled.measured_year,
    filled.measured_year < filled.year as is_carried_forward
from filled
inner join definitions on filled.bloc_definition_id = definitions.bloc_definition_id
inner join definition_spans on filled.bloc_definition_id = definition_spans.bloc_definition_id
where
    filled.year = filled.measured_year
    or filled.measured_year >= definition_spans.last_measured_year - {{ var('bloc_max_carry_years') | int }}
