-- One row per order, every account. Amounts are the order's own totals: never summed after a
-- join to its items (an order spans several occurrences).
with orders as (
    {{ raw_table('korusticket', 'orders', {
        'id': 'varchar',
        'reference': 'varchar',
        'created_at': 'timestamp with time zone',
        'cancelled_at': 'timestamp with time zone',
        'status': 'varchar',
        'total_amount_incl_tax': 'decimal(38, 9)',
        'customer__email': 'varchar',
        'customer__first_name': 'varchar',
        'customer__last_name': 'varchar',
    }) }}
),

items as (
    select
        account,
        order_id,
        sum(case when quantity > 0 then quantity else 0 end) as ticket_count,
        count(distinct currency) as currencies,
        max(currency) as currency
    from {{ ref('stg_korusticket__order_items') }}
    group by account, order_id
),

joined as (
    select
        orders.account,
        orders.id as order_id,
        {{ blank_to_null('orders.reference') }} as reference,
        orders.customer__email as customer_email,
        orders.customer__first_name as customer_first_name,
        orders.customer__last_name as customer_last_name,
        orders.created_at,
        {{ korusticket_order_status('orders.status') }} as status,
        orders.cancelled_at,
        case when items.currencies = 1 then items.currency end as currency,
        {{ money('orders.total_amount_incl_tax') }} as gross_amount,
        coalesce(items.ticket_count, 0) as ticket_count
    from orders
    left join items
        on items.account = orders.account
        and items.order_id = orders.id
)

select
    cast({{ key('korusticket', 'order_id') }} as varchar) as order_key,
    cast('korusticket' as varchar) as platform,
    account,
    cast(order_id as varchar) as source_id,
    cast(reference as varchar) as reference,
    cast({{ email_key('customer_email') }} as varchar) as customer_key,
    cast({{ blank_to_null('customer_email') }} as varchar) as customer_email,
    cast({{ blank_to_null('customer_first_name') }} as varchar) as customer_first_name,
    cast({{ blank_to_null('customer_last_name') }} as varchar) as customer_last_name,
    cast(created_at as timestamp with time zone) as created_at,
    cast(status as varchar) as status,
    cast(cancelled_at as timestamp with time zone) as cancelled_at,
    cast(currency as varchar) as currency,
    gross_amount,
    {{ money(0) }} as refund_amount,
    gross_amount as net_amount,
    cast(ticket_count as bigint) as ticket_count
from joined
