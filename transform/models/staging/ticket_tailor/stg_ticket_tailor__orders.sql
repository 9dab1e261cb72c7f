{#- Contract model `orders` for Ticket Tailor: one row per order. -#}
with orders as (
    select * from {{ ref('stg_ticket_tailor__order_records') }}
),

tickets as (
    select order_key, count(*) as ticket_count
    from {{ ref('stg_ticket_tailor__tickets') }}
    group by order_key
),

voids as (
    select order_key, max(voided_at) as last_voided_at
    from {{ ref('stg_ticket_tailor__issued_tickets') }}
    group by order_key
)

select
    orders.order_key,
    orders.platform,
    orders.account,
    orders.source_id,
    orders.txn_id as reference,
    orders.customer_key,
    orders.buyer_email as customer_email,
    orders.buyer_first_name as customer_first_name,
    orders.buyer_last_name as customer_last_name,
    orders.created_at,
    orders.status,
    case when orders.status = 'cancelled' then voids.last_voided_at end as cancelled_at,
    orders.currency,
    {{ money('orders.total_amount') }} as gross_amount,
    {{ money('orders.refund_amount') }} as refund_amount,
    {{ money('orders.total_amount - orders.refund_amount') }} as net_amount,
    cast(coalesce(tickets.ticket_count, 0) as bigint) as ticket_count
from orders
left join tickets
    on tickets.order_key = orders.order_key
left join voids
    on voids.order_key = orders.order_key
