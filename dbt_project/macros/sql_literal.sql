{#- A Python value from a var as a SQL literal: null, true/false, a number, or a quoted string. -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ value | lower }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- A fact the build step passes about this build (var warehouse_build), or the default. -#}
{% macro build_fact(key, default=none) -%}
    {{ return((var('warehouse_build', {}) or {}).get(key, default)) }}
{%- endmacro %}

{#- The per-source facts the build step passes (var source_status): a list of dicts. -#}
{% macro source_status_rows() -%}
    {{ return(var('source_status', []) or []) }}
{%- endmacro %}

{#- What dbt knows of this run: started_at (UTC, ISO), started_on (date), dbt_version, invocation_id. -#}
{% macro run_fact(name) -%}
    {{ return({
        'started_at': run_started_at.isoformat(),
        'started_on': run_started_at.date().isoformat(),
        'dbt_version': dbt_version,
        'invocation_id': invocation_id,
    }[name]) }}
{%- endmacro %}

{#- One row of a values list: the dict's values for these keys, as SQL literals. -#}
{% macro sql_values(row, keys) -%}
    {%- set literals = [] -%}
    {%- for key in keys -%}
        {%- do literals.append(sql_literal(row.get(key))) -%}
    {%- endfor -%}
    {{ literals | join(', ') }}
{%- endmacro %}
