{#- A combination of columns is unique (what dbt_utils.unique_combination_of_columns does;
    dbt packages cannot be installed offline). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
