{#- TicketSource customer notes (GET /customers/{id}/notes), cleaned -#}
with raw as (
    {{ raw_table('ticketsource', 'customer_notes', {
        'id': 'varchar',
        'customer_id': 'varchar',
        'description': 'varchar',
        'created_by': 'varchar',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as note_key,
    {{ key('ticketsource', blank_to_null('customer_id')) }} as customer_record_key,
    account,
    id as source_id,
    {{ blank_to_null('customer_id') }} as customer_id,
    {{ blank_to_null('description') }} as description,
    {{ blank_to_null('created_by') }} as created_by,
    created_at,
    updated_at
from raw
where {{ ticketsource_not_deleted() }}
