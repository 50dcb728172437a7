{#- The columns every staging model carries to say which landed file a row came from. -#}
{% macro vintage_columns() -%}
cast(vintage as date) as vintage_released_on,
        source_sha256 as vintage_sha256,
        source_file,
        landed_at
{%- endmacro %}

{#- A where-clause condition keeping the newest vintage of a staged source. -#}
{% macro is_latest_vintage(relation) -%}
    vintage_released_on = (select max(latest.vintage_released_on) from {{ relation }} as latest)
{%- endmacro %}

{#- True when the country (a dim_country alias) was an EU member on the given date. -#}
{% macro eu_member_on(countries, on_date) -%}
coalesce(
        {{ countries }}.eu_joined_on <= {{ on_date }}
        and ({{ countries }}.eu_left_on is null or {{ countries }}.eu_left_on >= {{ on_date }}),
        false
    )
{%- endmacro %}
