{#- Fail compilation when a project var holds a value outside its documented choices. -#}
{% macro validate_choice(name, choices) %}
    {%- if var(name) not in choices %}
        {{ exceptions.raise_compiler_error(name ~ " must be one of " ~ choices | join(", ") ~ ", not " ~ var(name)) }}
    {%- endif %}
{% endmacro %}
