{{ latest_vintage_rows(ref('stg_fiscal__mspd_summary')) }}
