{#- Ticket Tailor order line items (`orders__line_items`, nested in orders), cleaned once: each
    with its order's id, event and currency, amounts in major units. -#}
with orders as (
    {{ raw_table('ticket_tailor', 'orders', {
        'id': 'varchar',
        'event_id': 'varchar',
        'event_summary__id': 'varchar',
        'currency__code': 'varchar',
        'currency__base_multiplier': 'bigint',
        '_dlt_id': 'varchar',
    }) }}
),

items as (
    {{ raw_table('ticket_tailor', 'orders__line_items', {
        'id': 'varchar',
        'type': 'varchar',
        'description': 'varchar',
        'quantity': 'bigint',
        'value': 'bigint',
        'booking_fee': 'bigint',
        'total': 'bigint',
        '_dlt_parent_id': 'varchar',
        '_dlt_list_idx': 'bigint',
    }) }}
),

joined as (
    select
        items.account,
        coalesce({{ blank_to_null('items.id') }},
                 orders.id || ':' || cast(items._dlt_list_idx as varchar)) as line_id,
        orders.id as order_id,
        coalesce({{ blank_to_null('orders.event_summary__id') }}, {{ blank_to_null('orders.event_id') }}) as event_id,
        lower(trim(items.type)) as line_type,
        items.description,
        items.quantity,
        items.value,
        items.booking_fee,
        items.total,
        items._dlt_list_idx,
        orders.currency__code,
        orders.currency__base_multiplier
    from items
    join orders
        on orders.account = items.account
        and orders._dlt_id = items._dlt_parent_id
)

select
    {{ key('ticket_tailor', 'line_id') }} as line_item_key,
    {{ key('ticket_tailor', 'order_id') }} as order_key,
    {{ key('ticket_tailor', 'event_id') }} as event_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(line_id as varchar) as source_id,
    cast(order_id as varchar) as order_id,
    cast(_dlt_list_idx as bigint) as line_index,
    cast(line_type as varchar) as line_type,
    cast({{ blank_to_null('description') }} as varchar) as description,
    cast(quantity as bigint) as quantity,
    {{ minor_to_major('value', 'currency__base_multiplier') }} as value_amount,
    {{ minor_to_major('coalesce(booking_fee, 0)', 'currency__base_multiplier') }} as booking_fee_amount,
    {{ minor_to_major('total', 'currency__base_multiplier') }} as total_amount,
    cast(upper({{ blank_to_null('currency__code') }}) as varchar) as currency
from joined
