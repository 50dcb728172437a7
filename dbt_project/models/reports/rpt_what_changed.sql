-- The report's "What changed" and the nightly digest: meta.meta_changes as sentences, the
-- files held back first, then one per source (its vintage, periods and revisions), the records,
-- the bloc changes of each measured year in one sentence (eight countries named, the rest
-- counted), and the years they carry forward to in one more.
with changes as (

    select * from {{ ref('meta_changes') }}

),

per_item as (

    -- Files held back, one sentence each; then one sentence per source: its new vintage,
    -- the periods it adds and the values it revises; then the records, one each.
    select
        case change_kind when 'quarantined' then 0 else 4 end as sentence_order,
        change_kind,
        source_name,
        items,
        description as sentence
    from changes
    where change_kind in ('quarantined', 'record_set')

    union all

    select
        1 as sentence_order,
        'source_advanced' as change_kind,
        source_name,
        count(*) as items,
        source_name || ': ' || string_agg(
            substr(description, length(source_name) + 3),
            '; '
            order by case change_kind when 'new_vintage' then 1 when 'periods_added' then 2 else 3 end
        ) as sentence
    from changes
    where change_kind in ('new_vintage', 'periods_added', 'values_revised')
    group by source_name

),

bloc_years as (

    -- Years measured from votes: one sentence each, eight countries named, the rest counted.
    select
        5 as sentence_order,
        'bloc_changed' as change_kind,
        any_value(source_name) as source_name,
        count(*) as items,
        'Blocs of ' || period_label || ' (measured) changed for ' || count(*) || ' countr'
        || case when count(*) = 1 then 'y' else 'ies' end || ': '
        || array_to_string(
            list(
                replace(replace(description, ' in ' || period_label || ':', ':'), ' (measured)', '')
                order by description
            )[1:8],
            '; '
        )
        || case when count(*) > 8 then '; and ' || (count(*) - 8) || ' more' else '' end as sentence
    from changes
    where change_kind = 'bloc_changed' and description like '%(measured)'
    group by period_label

),

carried_years as (

    -- Years whose blocs carry a changed measurement forward: one sentence for them all.
    select
        6 as sentence_order,
        'bloc_changed' as change_kind,
        any_value(source_name) as source_name,
        count(*) as items,
        'Carried forward, the bloc changes reach ' || count(distinct period_label) || ' later year'
        || case when count(distinct period_label) = 1 then '' else 's' end || ' (' || min(period_label)
        || case when count(distinct period_label) = 1 then '' else '-' || max(period_label) end || '; '
        || count(*) || ' country-years)' as sentence
    from changes
    where change_kind = 'bloc_changed' and description not like '%(measured)'
    having count(*) > 0

)

select * from per_item
union all
select * from bloc_years
union all
select * from carried_years
