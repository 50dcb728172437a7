-- Long-term US securities held by regions, per month and asset class, newest release:
-- every region line SLT Table 1 prints (Total Europe, Total Asia, ..., All Countries,
-- Grand Total, the international organisations, the euro area and EU memo lines), and
-- the EU computed from the countries that were members at the end of the month, beside
-- the publisher's EU memo line. Regions overlap (the EU is in Europe): filter on one
-- region, never sum across them.
with lines as (

    select * from {{ ref('int_slt_holdings_by_asset_class') }}

),

published as (

    select
        tic_country_code as region_code,
        holder_name as region_name,
        holder_kind as region_kind,
        period_month,
        asset_class,
        holdings_usd_bn,
        net_purchases_usd_bn,
        valuation_change_usd_bn,
        cast(null as bigint) as members_counted,
        vintage_released_on,
        vintage_sha256
    from lines
    where holder_kind in ('region_total', 'grand_total', 'memo', 'international_org')

),

eu_computed as (

    select
        'EU' as region_code,
        'European Union (members on the date)' as region_name,
        'computed' as region_kind,
        members.period_month,
        members.asset_class,
        sum(members.long_term_holdings_usd_bn) as holdings_usd_bn,
        sum(members.long_term_net_purchases_usd_bn) as net_purchases_usd_bn,
        sum(members.long_term_valuation_change_usd_bn) as valuation_change_usd_bn,
        count(*) filter (where members.long_term_holdings_usd_bn is not null) as members_counted,
        max(members.vintage_released_on) as vintage_released_on,
        max(members.vintage_sha256) as vintage_sha256
    from {{ ref('fct_country_securities_holdings_monthly') }} as members
    where members.is_eu_member_then
    group by members.period_month, members.asset_class

),

eu_memo as (

    select
        period_month,
        asset_class,
        holdings_usd_bn
    from lines
    where holder_name = 'Memo: European Union'

),

regions as (

    select * from published
    union all
    select * from eu_computed

)

select
    md5(concat_ws('|', regions.region_code, regions.period_month, regions.asset_class)) as region_holding_id,
    regions.region_code,
    regions.region_name,
    regions.region_kind,
    regions.period_month,
    regions.asset_class,
    regions.holdings_usd_bn as long_term_holdings_usd_bn,
    regions.net_purchases_usd_bn as long_term_net_purchases_usd_bn,
    regions.valuation_change_usd_bn as long_term_valuation_change_usd_bn,
    regions.members_counted,
    case when regions.region_kind = 'computed' then eu_memo.holdings_usd_bn end
        as eu_memo_line_long_term_holdings_usd_bn,
    regions.vintage_released_on,
    regions.vintage_sha256
from regions
left join eu_memo
    on regions.period_month = eu_memo.period_month and regions.asset_class = eu_memo.asset_class
