{{ latest_vintage_rows(ref('stg_voeten__ideal_points')) }}
