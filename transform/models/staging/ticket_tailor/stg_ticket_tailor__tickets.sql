{#- Contract model `tickets` for Ticket Tailor: one row per issued ticket (an admission). -#}
with tickets as (
    select * from {{ ref('stg_ticket_tailor__issued_tickets') }}
),

orders as (
    select order_key, status as order_status from {{ ref('stg_ticket_tailor__order_records') }}
)

select
    tickets.ticket_key,
    tickets.order_key,
    tickets.event_key,
    tickets.platform,
    tickets.account,
    cast(
        case
            when orders.order_status = 'cancelled' then 'cancelled'
            when tickets.ticket_status in ('void', 'voided') then 'void'
            else tickets.ticket_status
        end
    as varchar) as status,
    tickets.checked_in,
    tickets.attendee_email,
    tickets.created_at
from tickets
left join orders
    on orders.order_key = tickets.order_key
