{#- One row per TicketSource booking. The API has no booking status or total: money and status
    come from the booking's lines and seats (stg_ticketsource__booking_summary). -#}
with bookings as (
    select * from {{ ref('stg_ticketsource__booking_summary') }}
),

customers as (
    select account, source_id, customer_key, email, first_name, last_name
    from {{ ref('stg_ticketsource__customers') }}
)

select
    cast(bookings.order_key as varchar) as order_key,
    cast('ticketsource' as varchar) as platform,
    cast(bookings.account as varchar) as account,
    cast(bookings.source_id as varchar) as source_id,
    cast(bookings.reference as varchar) as reference,
    cast(customers.customer_key as varchar) as customer_key,
    cast(customers.email as varchar) as customer_email,
    cast(customers.first_name as varchar) as customer_first_name,
    cast(customers.last_name as varchar) as customer_last_name,
    cast(bookings.created_at as timestamp with time zone) as created_at,
    cast(case when bookings.is_cancelled then 'cancelled' else 'completed' end as varchar) as status,
    cast(bookings.cancelled_at as timestamp with time zone) as cancelled_at,
    {{ ticketsource_currency('bookings.account') }} as currency,
    {{ money('bookings.gross_amount') }} as gross_amount,
    {{ money('bookings.refund_amount') }} as refund_amount,
    {{ money('bookings.gross_amount - bookings.refund_amount') }} as net_amount,
    cast(bookings.seat_count as bigint) as ticket_count
from bookings
left join customers
    on customers.account = bookings.account
    and customers.source_id = bookings.customer_id
