{#- TicketSource events (GET /events), cleaned: a series whose occurrences are `dates` -#}
with raw as (
    {{ raw_table('ticketsource', 'events', {
        'id': 'varchar',
        'name': 'varchar',
        'reference': 'varchar',
        'category': 'varchar',
        'genre': 'varchar',
        'activated': 'boolean',
        'archived': 'boolean',
        'public': 'boolean',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as series_key,
    account,
    id as source_id,
    {{ blank_to_null('name') }} as name,
    {{ blank_to_null('reference') }} as reference,
    {{ blank_to_null('category') }} as category,
    {{ blank_to_null('genre') }} as genre,
    activated as is_activated,
    archived as is_archived,
    public as is_public,
    created_at,
    updated_at
from raw
