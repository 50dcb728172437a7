{#- A mart's grain: the columns its description's first line names ("One row per ...")
    are unique together (tests/test_marts_grain.py requires one on every mart). The same
    check as unique_combination, under a name that says what the columns are. -#}
{% test grain(model, columns) %}
    {{ test_unique_combination(model, columns) }}
{% endtest %}
