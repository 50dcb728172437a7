-- Marketable Treasury securities outstanding on each MSPD record date, by the month they
-- mature and security class: the refinancing wall as of every snapshot landed. Only the
-- securities listed (CUSIP rows with an amount: a reopening's second row has none), so the
-- classes add up to the unmatured subtotals; the Federal Financing Bank has no maturity.
with securities as (

    select detail.*
    from {{ ref('stg_fiscal__mspd_detail_latest') }} as detail
    where
        detail.row_kind = 'security'
        and detail.outstanding_usd_mn is not null

),

by_month as (

    select
        record_date,
        cast(date_trunc('month', maturity_date) as date) as maturity_month,
        security_class,
        -- Summed exactly (decimal): a sum of doubles depends on the order rows arrive in,
        -- which parallel reads vary, and a carried build must equal a full one to the bit.
        sum(cast(outstanding_usd_mn as decimal(38, 6))) as maturing_usd_mn,
        cast(count(*) as bigint) as securities,
        max(vintage_sha256) as vintage_sha256
    from securities
    group by record_date, date_trunc('month', maturity_date), security_class

)

select
    md5(concat_ws('|', record_date, maturity_month, security_class)) as maturity_id,
    record_date,
    maturity_month,
    security_class,
    cast(maturing_usd_mn / 1000 as double) as maturing_usd_bn,
    securities,
    cast(maturing_usd_mn / sum(maturing_usd_mn) over (partition by record_date) as double) as listed_share,
    record_date = max(record_date) over () as is_latest_record_date,
    vintage_sha256
from by_month
