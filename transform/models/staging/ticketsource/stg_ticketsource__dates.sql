{#- TicketSource dates (GET /events/{id}/dates), cleaned: the occurrences of an event -#}
with raw as (
    {{ raw_table('ticketsource', 'dates', {
        'id': 'varchar',
        'event_id': 'varchar',
        'venue_id': 'varchar',
        'start': 'timestamp with time zone',
        'end': 'timestamp with time zone',
        'doors_open': 'timestamp with time zone',
        'on_sale': 'boolean',
        'on_sale_start': 'timestamp with time zone',
        'on_sale_end': 'timestamp with time zone',
        'public': 'boolean',
        'cancelled': 'boolean',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as event_key,
    account,
    id as source_id,
    {{ blank_to_null('event_id') }} as event_id,
    {{ blank_to_null('venue_id') }} as venue_id,
    "start" as starts_at,
    "end" as ends_at,
    doors_open as doors_open_at,
    on_sale as is_on_sale,
    on_sale_start as on_sale_starts_at,
    on_sale_end as on_sale_ends_at,
    public as is_public,
    coalesce(cancelled, false) as is_cancelled,
    created_at,
    updated_at
from raw
where {{ ticketsource_not_deleted() }}
