{#- One row per TicketSource booking with what its lines and seats say: money, seat counts,
    whether it is cancelled and when. A table, built once per run: the orders and tickets views
    both read it, which keeps them small enough for DuckDB's memory limit at large accounts. -#}
{{ config(materialized='table') }}

with bookings as (
    select account, source_id, order_key, event_key, date_id, reference, customer_id, created_at
    from {{ ref('stg_ticketsource__bookings') }}
),

lines as (
    select
        account,
        booking_id,
        sum(case when is_refund then 0 else gross_amount end) as gross_amount,
        -- refund lines are negative in the API; abs() keeps the refund positive either way
        sum(case when is_refund then abs(gross_amount) else 0 end) as refund_amount,
        max(case when is_refund then coalesce(updated_at, created_at) end) as last_refund_at
    from {{ ref('stg_ticketsource__booking_lines') }}
    group by account, booking_id
),

seats as (
    select
        account,
        booking_id,
        count(*) as seat_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_seat_count,
        max(case when is_cancelled then updated_at end) as last_seat_cancelled_at
    from {{ ref('stg_ticketsource__seats') }}
    group by account, booking_id
),

measured as (
    select
        bookings.order_key,
        bookings.event_key,
        bookings.date_id,
        bookings.account,
        bookings.source_id,
        bookings.reference,
        bookings.customer_id,
        bookings.created_at,
        {{ money('coalesce(lines.gross_amount, 0)') }} as gross_amount,
        {{ money('coalesce(lines.refund_amount, 0)') }} as refund_amount,
        coalesce(seats.seat_count, 0) as seat_count,
        coalesce(seats.cancelled_seat_count, 0) as cancelled_seat_count,
        (
            (coalesce(seats.seat_count, 0) > 0 and seats.cancelled_seat_count = seats.seat_count)
            or (coalesce(lines.refund_amount, 0) > 0
                and lines.refund_amount >= coalesce(lines.gross_amount, 0))
        ) as is_cancelled,
        case
            when lines.last_refund_at is null then seats.last_seat_cancelled_at
            when seats.last_seat_cancelled_at is null then lines.last_refund_at
            when seats.last_seat_cancelled_at > lines.last_refund_at
                then seats.last_seat_cancelled_at
            else lines.last_refund_at
        end as last_cancelling_change_at
    from bookings
    left join lines
        on lines.account = bookings.account
        and lines.booking_id = bookings.source_id
    left join seats
        on seats.account = bookings.account
        and seats.booking_id = bookings.source_id
)

select
    order_key,
    event_key,
    date_id,
    account,
    source_id,
    reference,
    customer_id,
    created_at,
    gross_amount,
    refund_amount,
    cast(seat_count as bigint) as seat_count,
    cast(cancelled_seat_count as bigint) as cancelled_seat_count,
    is_cancelled,
    case when is_cancelled then last_cancelling_change_at end as cancelled_at
from measured
