{#- TicketSource venues (GET /events/{id}/venues), cleaned -#}
with raw as (
    {{ raw_table('ticketsource', 'venues', {
        'id': 'varchar',
        'event_id': 'varchar',
        'name': 'varchar',
        'address__line_1': 'varchar',
        'address__line_2': 'varchar',
        'address__line_3': 'varchar',
        'address__line_4': 'varchar',
        'address__postcode': 'varchar',
        'boxoffice__telephone': 'varchar',
        'boxoffice__email': 'varchar',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as venue_key,
    account,
    id as source_id,
    {{ blank_to_null('event_id') }} as event_id,
    {{ blank_to_null('name') }} as name,
    {{ blank_to_null('address__line_1') }} as address_line_1,
    {{ blank_to_null('address__line_2') }} as address_line_2,
    {{ blank_to_null('address__line_3') }} as address_line_3,
    {{ blank_to_null('address__line_4') }} as address_line_4,
    {{ blank_to_null('address__postcode') }} as postcode,
    {{ blank_to_null('boxoffice__telephone') }} as boxoffice_telephone,
    {{ blank_to_null('boxoffice__email') }} as boxoffice_email,
    created_at,
    updated_at
from raw
where {{ ticketsource_not_deleted() }}
