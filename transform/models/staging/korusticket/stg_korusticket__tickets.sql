-- One row per admission: the API has no ticket records, so an item of quantity q makes q
-- tickets `<item id>:1` .. `<item id>:q`, each with its order's status and creation time.
with recursive items as (
    select account, line_id, order_key, event_key, order_status, order_created_at, quantity
    from {{ ref('stg_korusticket__order_items') }}
    where quantity > 0
),

numbers (n) as (
    select cast(1 as bigint)
    union all
    select n + 1 from numbers where n < (select max(quantity) from items)
),

units as (
    select
        items.account,
        items.line_id || ':' || cast(numbers.n as varchar) as ticket_id,
        items.order_key,
        items.event_key,
        items.order_status,
        items.order_created_at
    from items
    inner join numbers
        on numbers.n <= items.quantity
)

select
    cast({{ key('korusticket', 'ticket_id') }} as varchar) as ticket_key,
    order_key,
    event_key,
    cast('korusticket' as varchar) as platform,
    account,
    cast(case when order_status = 'cancelled' then 'cancelled' else 'valid' end as varchar) as status,
    cast(null as boolean) as checked_in,
    cast(null as varchar) as attendee_email,
    cast(order_created_at as timestamp with time zone) as created_at
from units
