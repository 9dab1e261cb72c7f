{#- One row per TicketSource seat (an admission, reserved or unreserved). -#}
with seats as (
    select ticket_key, order_key, account, booking_id, is_cancelled, attendee_email, created_at
    from {{ ref('stg_ticketsource__seats') }}
),

bookings as (
    select account, source_id, date_id, created_at, is_cancelled
    from {{ ref('stg_ticketsource__booking_summary') }}
),

joined as (
    select
        seats.ticket_key,
        seats.order_key,
        seats.account,
        bookings.date_id,
        case
            when seats.is_cancelled or bookings.is_cancelled then 'cancelled'
            else 'valid'
        end as status,
        seats.attendee_email,
        coalesce(seats.created_at, bookings.created_at) as created_at
    from seats
    left join bookings
        on bookings.account = seats.account
        and bookings.source_id = seats.booking_id
)

select
    cast(ticket_key as varchar) as ticket_key,
    cast(order_key as varchar) as order_key,
    cast({{ key('ticketsource', 'date_id') }} as varchar) as event_key,
    cast('ticketsource' as varchar) as platform,
    cast(account as varchar) as account,
    cast(status as varchar) as status,
    cast(null as boolean) as checked_in,
    cast(attendee_email as varchar) as attendee_email,
    cast(created_at as timestamp with time zone) as created_at
from joined
