{#- Ticket Tailor issued tickets, cleaned once: every account, 'true'/'false' strings to booleans,
    empty strings NULL, the API's status as given (lower-case). The `tickets` interface model adds
    the contract's status, which needs the order's. A check-in (or check-out) recorded after the
    ticket's loaded state decides `checked_in`: the sync loads every check-in, but re-reads the
    tickets of long-past events only on a full refresh. -#}
with raw as (
    {{ raw_table('ticket_tailor', 'issued_tickets', {
        'id': 'varchar',
        'order_id': 'varchar',
        'event_id': 'varchar',
        'ticket_type_id': 'varchar',
        'description': 'varchar',
        'status': 'varchar',
        'checked_in': 'varchar',
        'email': 'varchar',
        'first_name': 'varchar',
        'last_name': 'varchar',
        'full_name': 'varchar',
        'barcode': 'varchar',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        'voided_at': 'timestamp with time zone',
    }) }}
),

check_in_records as (
    {{ raw_table('ticket_tailor', 'check_ins', {
        'issued_ticket_id': 'varchar',
        'quantity': 'bigint',
        'created_at': 'timestamp with time zone',
    }) }}
),

check_ins as (
    select
        account as check_in_account,
        issued_ticket_id,
        sum(quantity) as net,
        max(created_at) as last_recorded_at
    from check_in_records
    group by account, issued_ticket_id
)

select
    {{ key('ticket_tailor', 'id') }} as ticket_key,
    {{ key('ticket_tailor', 'order_id') }} as order_key,
    {{ key('ticket_tailor', blank_to_null('event_id')) }} as event_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast(order_id as varchar) as order_id,
    cast({{ blank_to_null('event_id') }} as varchar) as event_id,
    cast({{ blank_to_null('ticket_type_id') }} as varchar) as ticket_type_id,
    cast({{ blank_to_null('description') }} as varchar) as ticket_type_name,
    cast(lower(trim(status)) as varchar) as ticket_status,
    case
        when check_ins.last_recorded_at > raw.updated_at then check_ins.net > 0
        else {{ string_bool('checked_in') }}
    end as checked_in,
    cast({{ blank_to_null('email') }} as varchar) as attendee_email,
    cast({{ blank_to_null('first_name') }} as varchar) as attendee_first_name,
    cast({{ blank_to_null('last_name') }} as varchar) as attendee_last_name,
    cast({{ blank_to_null('full_name') }} as varchar) as attendee_full_name,
    cast({{ blank_to_null('barcode') }} as varchar) as barcode,
    created_at,
    updated_at,
    voided_at
from raw
left join check_ins
    on check_ins.check_in_account = raw.account
    and check_ins.issued_ticket_id = raw.id
