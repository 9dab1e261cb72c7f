{#- TicketSource bookings (GET /dates/{id}/bookings), cleaned; money is on their lines -#}
with raw as (
    {{ raw_table('ticketsource', 'bookings', {
        'id': 'varchar',
        'ref': 'varchar',
        'date_id': 'varchar',
        'customer_id': 'varchar',
        'user_booked_by': 'varchar',
        'consent__third_party': 'varchar',
        'consent__email': 'boolean',
        'consent__post': 'boolean',
        'consent__sms': 'boolean',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
        '_dlt_id': 'varchar',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as order_key,
    {{ key('ticketsource', blank_to_null('date_id')) }} as event_key,
    account,
    id as source_id,
    {{ blank_to_null('ref') }} as reference,
    {{ blank_to_null('date_id') }} as date_id,
    {{ blank_to_null('customer_id') }} as customer_id,
    {{ blank_to_null('user_booked_by') }} as user_booked_by,
    {{ blank_to_null('consent__third_party') }} as consent_third_party,
    consent__email as consent_email,
    consent__post as consent_post,
    consent__sms as consent_sms,
    created_at,
    updated_at,
    _dlt_id as dlt_id
from raw
where {{ ticketsource_not_deleted() }}
