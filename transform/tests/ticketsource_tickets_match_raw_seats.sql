-- TicketSource: stg_ticketsource__tickets has one row per loaded seat, per account, and each
-- order's ticket_count is its number of tickets. Returns what differs.
with raw as (
    select account, count(*) as raw_rows
    from (
        {{ raw_table('ticketsource', 'seats', {'id': 'varchar', '_deleted': 'boolean'}) }}
    ) seats
    where coalesce(_deleted, false) = false
    group by account
),

model as (
    select account, count(*) as model_rows
    from {{ ref('stg_ticketsource__tickets') }}
    group by account
),

per_order as (
    select orders.order_key, orders.ticket_count, count(tickets.ticket_key) as tickets
    from {{ ref('stg_ticketsource__orders') }} orders
    left join {{ ref('stg_ticketsource__tickets') }} tickets
        on tickets.order_key = orders.order_key
    group by orders.order_key, orders.ticket_count
)

select
    coalesce(raw.account, model.account) as what,
    coalesce(raw.raw_rows, 0) as expected,
    coalesce(model.model_rows, 0) as found
from raw
full outer join model on model.account = raw.account
where coalesce(raw.raw_rows, 0) <> coalesce(model.model_rows, 0)

union all

select order_key as what, tickets as expected, ticket_count as found
from per_order
where ticket_count <> tickets
