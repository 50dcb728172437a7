{#- A mart's grain: the columns its description's first line names ("One row per ..."),
    unique together. tests/test_marts_grain.py requires one on every mart. -#}
{% test grain(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
