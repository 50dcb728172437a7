{#- The columns every staging model carries to say which landed file a row came from. -#}
{% macro vintage_columns() -%}
cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        landed_at
{%- endmacro %}

{#- A where-clause condition keeping the rows of the newest landed file of a staged source:
    the latest release date, ties (files without a release date of their own, or two files
    released the same day) broken by the landing time, so one landed file wins. alias
    qualifies the columns when the relation is joined. partition_by names a column whose
    values come from different files (one FRED series per file): the newest file is then
    chosen for each value. The one definition of "latest vintage" every model uses. -#}
{% macro is_latest_vintage(relation, alias=none, partition_by=none) -%}
    {%- if partition_by and not alias -%}
        {{ exceptions.raise_compiler_error('is_latest_vintage: partition_by needs the alias of the outer relation') }}
    {%- endif -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set same_partition = 'latest.' ~ partition_by ~ ' = ' ~ prefix ~ partition_by if partition_by else 'true' -%}
    {{ prefix }}vintage_sha256 = (
        select arg_max(latest.vintage_sha256, strftime(latest.vintage_released_on, '%Y-%m-%d') || strftime(latest.landed_at, '%Y-%m-%dT%H:%M:%S.%f'))
        from {{ relation }} as latest
        where {{ same_partition }}
    )
{%- endmacro %}

{#- True when the country (a dim_country alias) was an EU member on the given date. -#}
{% macro eu_member_on(countries, on_date) -%}
coalesce(
        {{ countries }}.eu_joined_on <= {{ on_date }}
        and ({{ countries }}.eu_left_on is null or {{ countries }}.eu_left_on >= {{ on_date }}),
        false
    )
{%- endmacro %}

{#- A holder's bloc for the year (a dim_bloc_membership alias), or why it has none: no UN
    votes (Taiwan, Hong Kong, ...) or outside the ranked universe (a dim_country alias). -#}
{% macro bloc_or_not_classified(bloc, countries) -%}
coalesce(
        {{ bloc }},
        case when {{ countries }}.has_un_votes then 'not_classified_not_ranked' else 'not_classified_no_un_votes' end
    )
{%- endmacro %}

{#- The columns every country-grained mart carries to classify a holder on a date. -#}
{% macro holder_classification(countries, blocs, on_date) -%}
    {{ bloc_or_not_classified(blocs ~ ".bloc", countries) }} as bloc,
    coalesce({{ blocs }}.is_carried_forward, false) as is_bloc_carried_forward,
    {{ blocs }}.measured_year as bloc_measured_year,
    coalesce({{ countries }}.is_custodial_centre, false) as is_custodial_centre,
    {{ eu_member_on(countries, on_date) }} as is_eu_member_then
{%- endmacro %}

{#- The rows of a staged source's newest landed file (per partition_by value, when each of
    its values comes from its own file): the one place the latest-vintage rule is applied.
    Each staged source with vintages has a view ``<staging model>_latest`` made by this. -#}
{% macro latest_vintage_rows(relation, partition_by=none) -%}
select rows.*
from {{ relation }} as rows
where {{ is_latest_vintage(relation, 'rows', partition_by) }}
{%- endmacro %}
