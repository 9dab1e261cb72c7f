-- KorusTicket: each order's items add up to the order's own total, so per-occurrence revenue
-- from order_lines and per-order revenue from orders agree (no order-level amount is summed
-- after a join to items). Returns the orders whose lines do not add up.
with lines as (
    select order_key, sum(line_amount) as line_total
    from {{ ref('stg_korusticket__order_lines') }}
    group by order_key
)

select
    orders.order_key,
    orders.gross_amount,
    lines.line_total
from {{ ref('stg_korusticket__orders') }} as orders
left join lines
    on lines.order_key = orders.order_key
where orders.gross_amount <> coalesce(lines.line_total, 0)
