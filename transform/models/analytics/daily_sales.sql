-- What each occurrence sold per UTC day: completed orders only, by the day they were created.
with completed as (
    select order_key, created_at, currency
    from {{ ref('orders') }}
    where status = 'completed'
),

lines as (
    select
        order_lines.event_key,
        order_lines.platform,
        order_lines.account,
        cast(completed.created_at at time zone 'UTC' as date) as day,
        order_lines.line_amount,
        order_lines.currency
    from {{ ref('order_lines') }} as order_lines
    inner join completed on completed.order_key = order_lines.order_key
    where order_lines.event_key is not null and not order_lines.is_refund
),

tickets as (
    select
        tickets.event_key,
        cast(completed.created_at at time zone 'UTC' as date) as day,
        count(*) as tickets_sold
    from {{ ref('tickets') }} as tickets
    inner join completed on completed.order_key = tickets.order_key
    where tickets.event_key is not null and tickets.status <> 'void'
    group by tickets.event_key, cast(completed.created_at at time zone 'UTC' as date)
),

sales as (
    select
        event_key,
        platform,
        account,
        day,
        cast(sum(line_amount) as decimal(18, 2)) as gross_amount,
        max(currency) as currency
    from lines
    group by event_key, platform, account, day
)

select
    sales.event_key,
    sales.platform,
    sales.account,
    sales.day,
    coalesce(tickets.tickets_sold, 0) as tickets_sold,
    sales.gross_amount,
    sales.currency
from sales
left join tickets on tickets.event_key = sales.event_key and tickets.day = sales.day
