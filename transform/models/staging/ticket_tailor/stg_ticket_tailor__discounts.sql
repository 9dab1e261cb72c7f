{#- Ticket Tailor discount codes, cleaned once (the table is replaced every sync: deleted
    discounts disappear). -#}
with discounts as (
    {{ raw_table('ticket_tailor', 'discounts', {
        'id': 'varchar',
        'name': 'varchar',
        'code': 'varchar',
        'type': 'varchar',
        'price': 'bigint',
        'price_percent': 'bigint',
        'max_redemptions': 'bigint',
        'times_redeemed': 'bigint',
        'expires__unix': 'timestamp with time zone',
    }) }}
)

select
    {{ key('ticket_tailor', 'id') }} as discount_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast({{ blank_to_null('name') }} as varchar) as name,
    cast({{ blank_to_null('code') }} as varchar) as code,
    cast(lower({{ blank_to_null('type') }}) as varchar) as discount_type,
    cast(price as bigint) as price_minor_units,
    cast(price_percent as bigint) as price_percent,
    cast(max_redemptions as bigint) as max_redemptions,
    cast(times_redeemed as bigint) as times_redeemed,
    expires__unix as expires_at
from discounts
