{#- TicketSource seats (GET /bookings/{id}/seats), cleaned: one per admission -#}
with raw as (
    {{ raw_table('ticketsource', 'seats', {
        'id': 'varchar',
        'booking_id': 'varchar',
        'is_booked': 'boolean',
        'is_cancelled': 'boolean',
        'price_category': 'varchar',
        'attendee__title': 'varchar',
        'attendee__first_name': 'varchar',
        'attendee__last_name': 'varchar',
        'attendee__email': 'varchar',
        'attendee__telephone': 'varchar',
        'attendee__company__name': 'varchar',
        'attendee__company__title': 'varchar',
        'reference__row': 'varchar',
        'reference__seat': 'varchar',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
        '_deleted': 'boolean',
    }) }}
)

select
    {{ key('ticketsource', 'id') }} as ticket_key,
    {{ key('ticketsource', blank_to_null('booking_id')) }} as order_key,
    account,
    id as source_id,
    {{ blank_to_null('booking_id') }} as booking_id,
    is_booked,
    coalesce(is_cancelled, false) as is_cancelled,
    {{ blank_to_null('price_category') }} as price_category,
    {{ blank_to_null('attendee__title') }} as attendee_title,
    {{ blank_to_null('attendee__first_name') }} as attendee_first_name,
    {{ blank_to_null('attendee__last_name') }} as attendee_last_name,
    {{ blank_to_null('attendee__email') }} as attendee_email,
    {{ blank_to_null('attendee__telephone') }} as attendee_telephone,
    {{ blank_to_null('attendee__company__name') }} as attendee_company_name,
    {{ blank_to_null('attendee__company__title') }} as attendee_company_title,
    {{ blank_to_null('reference__row') }} as seat_row,
    {{ blank_to_null('reference__seat') }} as seat_number,
    created_at,
    updated_at
from raw
where {{ ticketsource_not_deleted() }}
