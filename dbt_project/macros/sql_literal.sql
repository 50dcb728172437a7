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

{#- What this build brings, per source (key changes): a list of dicts (meta_changes). -#}
{% macro change_rows() -%}
    {{ return(build_facts().get('changes') or []) }}
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

{#- Attach the published build this one follows (build fact previous_build_path) read-only
    as previous_build, and return which of the relations ('<schema>.<table>') it holds; an
    older build may lack some. Outside a pipeline build: none. The model detaches it. -#}
{% macro previous_build_relations(relations) -%}
    {%- set path = build_fact('previous_build_path') -%}
    {%- if not execute or not path -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do run_query("attach if not exists " ~ sql_literal(path) ~ " as previous_build (read_only)") -%}
    {%- set held = run_query(
        "select table_schema || '.' || table_name from information_schema.tables"
        ~ " where table_catalog = 'previous_build'"
    ).columns[0].values() -%}
    {{ return(relations | select('in', held) | list) }}
{%- endmacro %}
