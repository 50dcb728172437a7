-- SLT Table 1, newest release, one row per TIC line x month x long-term asset class
-- (treasury, agency, corporate_bond, equity), in $bn.
with slt as (

    select * from {{ ref('stg_tic__slt_holdings_latest') }}

),

by_class as (

    {%- for asset_class, prefix in [
        ('treasury', 'treasury'), ('agency', 'agency'), ('corporate_bond', 'corporate_bond'), ('equity', 'equity')
    ] %}
        select
            tic_country_code,
            holder_name,
            holder_kind,
            period_month,
            '{{ asset_class }}' as asset_class,
            {{ prefix }}_holdings_usd_mn / 1000.0 as holdings_usd_bn,
            {{ prefix }}_net_purchases_usd_mn / 1000.0 as net_purchases_usd_bn,
            {{ prefix }}_valuation_change_usd_mn / 1000.0 as valuation_change_usd_bn,
            vintage_released_on,
            vintage_sha256
        from slt
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

)

select * from by_class
