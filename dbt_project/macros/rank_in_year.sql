{#- A holder's rank among those with a figure in the same year (yearly.year), by amount in
    the direction given (desc: buyers first; asc: sellers first), ties by name; null without one. -#}
{% macro rank_in_year(amount, direction) -%}
case
        when {{ amount }} is not null
            then row_number() over (
                partition by yearly.year, {{ amount }} is null
                order by {{ amount }} {{ direction }}, yearly.holder_name asc
            )
    end
{%- endmacro %}
