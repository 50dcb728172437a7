{#- How countries are split into blocs. A bloc definition is a measure of alignment with
    the US, the countries ranked on it (universe), the years averaged (window) and the
    percent-rank cut-offs. The var bloc_method names the definition the marts use; the
    var bloc_sensitivity_grid lists the definitions fct_bloc_flows_sensitivity compares. -#}

{#- The named methods (README, "Blocs"). -#}
{% macro bloc_methods() -%}
    {{ return({
        'un_vote_coincidence': {
            'measure': 'coincidence', 'universe': 'un_members', 'window_years': 5,
            'lower_cutoff': 0.3333, 'upper_cutoff': 0.6667,
        },
        'ideal_point_tic_holders': {
            'measure': 'ideal_point_distance', 'universe': 'tic_holders', 'window_years': 5,
            'lower_cutoff': 0.3333, 'upper_cutoff': 0.6667,
        },
    }) }}
{%- endmacro %}

{% macro bloc_definition_id(definition) -%}
    {{ return(
        definition['measure'] ~ '|' ~ definition['universe'] ~ '|' ~ definition['window_years'] ~ 'y|'
        ~ definition['lower_cutoff'] ~ '-' ~ definition['upper_cutoff']
    ) }}
{%- endmacro %}

{#- Fail compilation on a definition outside the documented choices. -#}
{% macro validate_bloc_definition(definition, origin) -%}
    {%- set measures = ['coincidence', 'agreement', 'ideal_point_distance'] -%}
    {%- set universes = ['tic_holders', 'un_members'] -%}
    {%- set problems = [] -%}
    {%- if definition['measure'] not in measures -%}
        {%- do problems.append('measure must be one of ' ~ measures | join(', ')) -%}
    {%- endif -%}
    {%- if definition['universe'] not in universes -%}
        {%- do problems.append('universe must be one of ' ~ universes | join(', ')) -%}
    {%- endif -%}
    {%- if definition['window_years'] | int < 1 -%}
        {%- do problems.append('window_years must be at least 1') -%}
    {%- endif -%}
    {%- if not (0 <= definition['lower_cutoff'] | float <= definition['upper_cutoff'] | float <= 1) -%}
        {%- do problems.append('cut-offs must satisfy 0 <= lower <= upper <= 1') -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(origin ~ ': ' ~ problems | join('; ') ~ ', not ' ~ definition) }}
    {%- endif -%}
{%- endmacro %}

{#- The definition the marts use: a named method, or with bloc_method custom the vars
    bloc_measure, bloc_universe, bloc_window_years, bloc_lower_cutoff, bloc_upper_cutoff. -#}
{% macro default_bloc_definition() -%}
    {%- set method = var('bloc_method') -%}
    {%- set methods = bloc_methods() -%}
    {%- if method == 'custom' -%}
        {%- set definition = {
            'measure': var('bloc_measure'), 'universe': var('bloc_universe'),
            'window_years': var('bloc_window_years') | int,
            'lower_cutoff': var('bloc_lower_cutoff') | float, 'upper_cutoff': var('bloc_upper_cutoff') | float,
        } -%}
    {%- elif method in methods -%}
        {%- set definition = methods[method] -%}
    {%- else -%}
        {%- set choices = (methods.keys() | list + ['custom']) | join(', ') -%}
        {{ exceptions.raise_compiler_error('bloc_method must be one of ' ~ choices ~ ', not ' ~ method) }}
    {%- endif -%}
    {%- do validate_bloc_definition(definition, 'bloc_method ' ~ method) -%}
    {{ return(definition) }}
{%- endmacro %}

{#- The default definition first, then every combination of the grid not equal to it. -#}
{% macro bloc_definitions() -%}
    {%- set default = default_bloc_definition() -%}
    {%- set definitions = [] -%}
    {%- do definitions.append({
        'id': bloc_definition_id(default), 'is_default': true, 'measure': default['measure'],
        'universe': default['universe'], 'window_years': default['window_years'] | int,
        'lower_cutoff': default['lower_cutoff'] | float, 'upper_cutoff': default['upper_cutoff'] | float,
    }) -%}
    {%- set grid = var('bloc_sensitivity_grid') or {} -%}
    {%- for measure in grid.get('measures', []) -%}
        {%- for universe in grid.get('universes', []) -%}
            {%- for window_years in grid.get('window_years', []) -%}
                {%- for cutoffs in grid.get('cutoffs', []) -%}
                    {%- set definition = {
                        'measure': measure, 'universe': universe, 'window_years': window_years | int,
                        'lower_cutoff': cutoffs[0] | float, 'upper_cutoff': cutoffs[1] | float,
                    } -%}
                    {%- do validate_bloc_definition(definition, 'bloc_sensitivity_grid') -%}
                    {%- set definition_id = bloc_definition_id(definition) -%}
                    {%- if definition_id not in definitions | map(attribute='id') | list -%}
                        {%- do definition.update({'id': definition_id, 'is_default': false}) -%}
                        {%- do definitions.append(definition) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(definitions) }}
{%- endmacro %}
