{#- TicketSource customers (GET /customers), cleaned -#}
with raw as (
    {{ raw_table('ticketsource', 'customers', {
        'id': 'varchar',
        'first_name': 'varchar',
        'last_name': 'varchar',
        'email': 'varchar',
        'telephone': 'varchar',
        'address__postcode': 'varchar',
        'membership__identifier': 'varchar',
        'consent__email': 'boolean',
        'consent__post': 'boolean',
        'consent__sms': 'boolean',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as customer_record_key,
    account,
    id as source_id,
    {{ email_key('email') }} as customer_key,
    {{ blank_to_null('email') }} as email,
    {{ blank_to_null('first_name') }} as first_name,
    {{ blank_to_null('last_name') }} as last_name,
    {{ blank_to_null('telephone') }} as telephone,
    {{ blank_to_null('address__postcode') }} as postcode,
    {{ blank_to_null('membership__identifier') }} as membership_identifier,
    consent__email as consent_email,
    consent__post as consent_post,
    consent__sms as consent_sms,
    created_at,
    updated_at
from raw
where {{ ticketsource_not_deleted() }}
