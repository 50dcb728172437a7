-- What this build brings against the published build it follows (build fact
-- previous_build_path): per source the new vintage, the periods it adds and the values it
-- revises, and the files quarantined (rows the build step computes, fact "changes"); and,
-- comparing the two warehouses, holders at a two-year low or high they were not at before
-- and countries whose bloc changed for a year both hold. The first build lists every
-- source's vintage and nothing else.
-- depends_on: {{ ref('rpt_holder_records_latest') }}
-- depends_on: {{ ref('dim_bloc_membership') }}
-- depends_on: {{ ref('dim_country') }}
{{ config(post_hook={'sql': 'detach database if exists previous_build', 'transaction': false}) }}
{%- set rows = change_rows() %}
{%- set columns = [
    'change_kind', 'source_name', 'subject', 'period_label', 'items', 'previous_value', 'new_value',
    'change_value', 'description',
] %}
{%- set previous = previous_build_relations(['marts.dim_bloc_membership', 'report.rpt_holder_records_latest']) %}
with from_files as (

    {{ facts_rows(rows, columns) }}

),

typed as (

    select
        cast(change_kind as varchar) as change_kind,
        cast(source_name as varchar) as source_name,
        cast(subject as varchar) as subject,
        cast(period_label as varchar) as period_label,
        cast(items as bigint) as items,
        cast(previous_value as double) as previous_value,
        cast(new_value as double) as new_value,
        cast(change_value as double) as change_value,
        cast(description as varchar) as description
    from from_files

    {%- if 'report.rpt_holder_records_latest' in previous %}

        union all

        select
            'record_set' as change_kind,
            'tic_mfh' as source_name,
            latest.holder_name as subject,
            strftime(latest.period_month, '%Y-%m') as period_label,
            1 as items,
            previous.holdings_all_maturities_usd_bn as previous_value,
            latest.holdings_all_maturities_usd_bn as new_value,
            null as change_value,
            latest.holder_name || '''s Treasury holdings, ' || round(latest.holdings_all_maturities_usd_bn, 1)
            || 'bn in ' || strftime(latest.period_month, '%Y-%m') || ', are the '
            || case when latest.is_lowest_for_two_years then 'lowest' else 'highest' end
            || coalesce(
                ' since ' || strftime(
                    case
                        when latest.is_lowest_for_two_years then latest.lowest_since_month
                        else latest.highest_since_month
                    end,
                    '%Y-%m'
                ),
                ' on record'
            ) as description
        from {{ ref('rpt_holder_records_latest') }} as latest
        left join previous_build.report.rpt_holder_records_latest as previous
            on latest.holder_name = previous.holder_name
        where
            latest.has_two_years_on_record
            and (latest.is_lowest_for_two_years or latest.is_highest_for_two_years)
            and (
                previous.holder_name is null
                or latest.period_month <> previous.period_month
                or latest.is_lowest_for_two_years and not previous.is_lowest_for_two_years
                or latest.is_highest_for_two_years and not previous.is_highest_for_two_years
            )
    {%- endif %}

    {%- if 'marts.dim_bloc_membership' in previous %}

        union all

        select
            'bloc_changed' as change_kind,
            'un_votes' as source_name,
            latest.iso3 as subject,
            cast(latest.year as varchar) as period_label,
            1 as items,
            null as previous_value,
            null as new_value,
            null as change_value,
            coalesce(country.country_name, latest.iso3) || ' in ' || latest.year || ': '
            || previous.bloc || ' to ' || latest.bloc || case
                when latest.is_carried_forward then ' (carried from ' || latest.measured_year || ')'
                else ' (measured)'
            end as description
        from {{ ref('dim_bloc_membership') }} as latest
        inner join previous_build.marts.dim_bloc_membership as previous
            on latest.iso3 = previous.iso3 and latest.year = previous.year
        left join {{ ref('dim_country') }} as country on latest.iso3 = country.iso3
        where latest.bloc is distinct from previous.bloc
    {%- endif %}

)

select
    md5(concat_ws('|', change_kind, source_name, subject, period_label, description)) as change_id,
    cast({{ sql_literal(build_fact('build_id', 'not built by the pipeline')) }} as varchar) as build_id,
    cast({{ sql_literal(build_fact('previous_build_id')) }} as varchar) as compared_with_build,
    *
from typed
