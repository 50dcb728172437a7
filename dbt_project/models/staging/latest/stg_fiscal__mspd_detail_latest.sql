{{ latest_vintage_rows(ref('stg_fiscal__mspd_detail'), partition_by='record_date') }}
