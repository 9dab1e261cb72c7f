{#- Ticket Tailor voucher codes, cleaned once. Rows dlt flagged `_deleted` are left out. -#}
with codes as (
    {{ raw_table('ticket_tailor', 'voucher_codes', {
        'id': 'varchar',
        'voucher_id': 'varchar',
        'code': 'varchar',
        'value': 'bigint',
        'created_at': 'timestamp with time zone',
        'used__unix': 'timestamp with time zone',
        'expiry__unix': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticket_tailor', 'id') }} as voucher_code_key,
    {{ key('ticket_tailor', 'voucher_id') }} as voucher_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast(voucher_id as varchar) as voucher_id,
    cast({{ blank_to_null('code') }} as varchar) as code,
    cast(value as bigint) as value_minor_units,
    used__unix is not null as is_used,
    created_at,
    used__unix as used_at,
    expiry__unix as expires_at
from codes
where _deleted is null or _deleted = false
