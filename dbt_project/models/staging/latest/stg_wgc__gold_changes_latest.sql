{{ latest_vintage_rows(ref('stg_wgc__gold_changes')) }}
