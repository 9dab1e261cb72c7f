-- KorusTicket: each order's ticket_count is its number of rows in stg_korusticket__tickets.
-- Returns the orders where it is not.
with per_order as (
    select order_key, count(*) as ticket_count
    from {{ ref('stg_korusticket__tickets') }}
    group by order_key
)

select
    orders.order_key,
    orders.ticket_count,
    per_order.ticket_count as ticket_rows
from {{ ref('stg_korusticket__orders') }} as orders
left join per_order
    on per_order.order_key = orders.order_key
where orders.ticket_count <> coalesce(per_order.ticket_count, 0)
