-- The report's "What changed" and the nightly digest: meta.meta_changes as sentences, the
-- files held back first, then per source its vintage, periods and revisions, the records,
-- and the bloc changes of each year in one sentence (eight countries named, the rest counted).
with changes as (

    select * from {{ ref('meta_changes') }}

),

per_item as (

    select
        case change_kind
            when 'quarantined' then 0
            when 'new_vintage' then 1
            when 'periods_added' then 2
            when 'values_revised' then 3
            else 4
        end as sentence_order,
        change_kind,
        source_name,
        items,
        description as sentence
    from changes
    where change_kind <> 'bloc_changed'

),

bloc_years as (

    select
        5 as sentence_order,
        'bloc_changed' as change_kind,
        any_value(source_name) as source_name,
        count(*) as items,
        'Blocs of ' || period_label || ' changed for ' || count(*) || ' countr'
        || case when count(*) = 1 then 'y' else 'ies' end || ': '
        || array_to_string(
            list(replace(description, ' in ' || period_label || ':', ':') order by description)[1:8], '; '
        )
        || case when count(*) > 8 then '; and ' || (count(*) - 8) || ' more' else '' end as sentence
    from changes
    where change_kind = 'bloc_changed'
    group by period_label

)

select * from per_item
union all
select * from bloc_years
