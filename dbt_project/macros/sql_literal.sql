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

{#- The facts the build step passes (JSON in the environment, set between dbt's parse and
    its build so that partial parsing holds; see treasury_warehouse/warehouse/dbt_session.py). -#}
{% macro build_facts() -%}
    {{ return(fromjson(env_var('WAREHOUSE_BUILD_FACTS', '{}')) or {}) }}
{%- endmacro %}

{#- A fact about this build (key warehouse_build), or the default. -#}
{% macro build_fact(key, default=none) -%}
    {{ return((build_facts().get('warehouse_build') or {}).get(key, default)) }}
{%- endmacro %}

{#- The per-source facts (key source_status): a list of dicts. -#}
{% macro source_status_rows() -%}
    {{ return(build_facts().get('source_status') or []) }}
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

{#- Whether a source (its registry name) has anything published for this build. -#}
{% macro source_is_published(name) -%}
    {{ return(name in (build_fact('published_sources') or [])) }}
{%- endmacro %}
