{#- Ticket Tailor gift vouchers, cleaned once (replaced every sync). -#}
with vouchers as (
    {{ raw_table('ticket_tailor', 'vouchers', {
        'id': 'varchar',
        'name': 'varchar',
        'value': 'bigint',
        'total_codes': 'bigint',
        'available_codes': 'bigint',
        'created_at': 'timestamp with time zone',
        'expiry__unix': 'timestamp with time zone',
    }) }}
)

select
    {{ key('ticket_tailor', 'id') }} as voucher_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast({{ blank_to_null('name') }} as varchar) as name,
    cast(value as bigint) as value_minor_units,
    cast(total_codes as bigint) as total_codes,
    cast(available_codes as bigint) as available_codes,
    created_at,
    expiry__unix as expires_at
from vouchers
