{#- The build step's facts (a list of dicts) as a relation with these columns, every value a
    SQL literal; none: no row. The models cast each column. -#}
-- noqa: disable=LT02
{% macro facts_rows(rows, columns) -%}
    {%- if rows -%}
        select facts.*
        from (
            values
            {%- for row in rows %}
                ({{ sql_values(row, columns) }}){{ ',' if not loop.last }}
            {%- endfor %}
        ) as facts ({{ columns | join(', ') }})
    {%- else -%}
        select
            {%- for column in columns %}
                null as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
-- noqa: enable=LT02
