-- One row per order item (an offer bought in some quantity), every account, with its order's id
-- and the occurrence its offer belongs to.
with orders as (
    {{ raw_table('korusticket', 'orders', {
        'id': 'varchar',
        'catalog_id': 'varchar',
        'status': 'varchar',
        'created_at': 'timestamp with time zone',
        '_dlt_id': 'varchar',
    }) }}
),

items as (
    {{ raw_table('korusticket', 'orders__items', {
        'id': 'varchar',
        'offer_id': 'varchar',
        'product_id': 'varchar',
        'quantity': 'bigint',
        'unit_amount_incl_tax': 'decimal(38, 9)',
        'total_amount_incl_tax': 'decimal(38, 9)',
        '_dlt_parent_id': 'varchar',
        '_dlt_list_idx': 'bigint',
        '_dlt_id': 'varchar',
    }) }}
),

offers as (
    select * from {{ ref('stg_korusticket__offers') }}
),

-- the one currency of a catalog's offers, for items whose offer is no longer loaded
catalog_currencies as (
    select account, catalog_id, max(currency) as currency
    from offers
    group by account, catalog_id
    having count(distinct currency) = 1
),

joined as (
    select
        items.account,
        orders.id as order_id,
        {{ korusticket_order_status('orders.status') }} as order_status,
        orders.created_at as order_created_at,
        coalesce(
            {{ blank_to_null('items.id') }},
            orders.id || ':' || cast(items._dlt_list_idx + 1 as varchar)
        ) as line_id,
        {{ blank_to_null('items.id') }} as item_id,
        items._dlt_list_idx + 1 as item_position,
        items.offer_id,
        items.product_id,
        offers.occurrence_id,
        offers.offer_date,
        offers.product_name,
        items.quantity,
        {{ money('items.unit_amount_incl_tax') }} as unit_amount,
        {{ money('coalesce(items.total_amount_incl_tax, items.unit_amount_incl_tax * items.quantity)') }}
            as line_amount,
        coalesce(offers.currency, catalog_currencies.currency) as currency,
        items._dlt_id as item_dlt_id
    from items
    inner join orders
        on orders.account = items.account
        and orders._dlt_id = items._dlt_parent_id
    left join offers
        on offers.account = items.account
        and offers.offer_id = items.offer_id
    left join catalog_currencies
        on catalog_currencies.account = orders.account
        and catalog_currencies.catalog_id = orders.catalog_id
)

select
    cast({{ key('korusticket', 'line_id') }} as varchar) as order_line_key,
    cast({{ key('korusticket', 'order_id') }} as varchar) as order_key,
    cast({{ key('korusticket', 'occurrence_id') }} as varchar) as event_key,
    account,
    order_id,
    order_status,
    order_created_at,
    line_id,
    item_id,
    item_position,
    offer_id,
    product_id,
    occurrence_id,
    offer_date,
    product_name,
    quantity,
    unit_amount,
    line_amount,
    currency,
    item_dlt_id
from joined
