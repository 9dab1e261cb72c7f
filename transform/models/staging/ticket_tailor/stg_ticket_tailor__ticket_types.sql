{#- Ticket Tailor ticket types (taken out of each event's record by the source), cleaned once. -#}
with ticket_types as (
    {{ raw_table('ticket_tailor', 'ticket_types', {
        'id': 'varchar',
        'event_id': 'varchar',
        'name': 'varchar',
        'type': 'varchar',
        'status': 'varchar',
        'price': 'bigint',
        'booking_fee': 'bigint',
        'quantity': 'bigint',
        'quantity_held': 'bigint',
        'quantity_issued': 'bigint',
        'quantity_total': 'bigint',
        'min_per_order': 'bigint',
        'max_per_order': 'bigint',
        'group_id': 'varchar',
        'sort_order': 'bigint',
    }) }}
),

events as (
    {{ raw_table('ticket_tailor', 'events', {'id': 'varchar', 'currency': 'varchar'}) }}
),

joined as (
    select
        ticket_types.*,
        upper({{ blank_to_null('events.currency') }}) as currency
    from ticket_types
    left join events
        on events.account = ticket_types.account
        and events.id = ticket_types.event_id
)

select
    {{ key('ticket_tailor', 'id') }} as ticket_type_key,
    {{ key('ticket_tailor', 'event_id') }} as event_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast(event_id as varchar) as event_id,
    cast({{ blank_to_null('name') }} as varchar) as name,
    cast(lower({{ blank_to_null('type') }}) as varchar) as ticket_type_kind,
    cast(lower({{ blank_to_null('status') }}) as varchar) as status,
    {#- ticket types carry no currency multiplier (only orders do), so prices stay in minor
        units beside the event's currency rather than divided by a guessed multiplier -#}
    cast(price as bigint) as price_minor_units,
    cast(booking_fee as bigint) as booking_fee_minor_units,
    cast(currency as varchar) as currency,
    cast(quantity_total as bigint) as quantity_total,
    cast(quantity_issued as bigint) as quantity_issued,
    cast(quantity_held as bigint) as quantity_held,
    cast(quantity as bigint) as quantity_available,
    cast(min_per_order as bigint) as min_per_order,
    cast(max_per_order as bigint) as max_per_order,
    cast({{ blank_to_null('group_id') }} as varchar) as group_id,
    cast(sort_order as bigint) as sort_order
from joined
