{#- Contract model `events` for Ticket Tailor: one row per TT event (an occurrence), named after
    its event series (the event's own name where the series is not loaded). Capacity and
    remaining come from the event's ticket types. -#}
with events as (
    {{ raw_table('ticket_tailor', 'events', {
        'id': 'varchar',
        'event_series_id': 'varchar',
        'name': 'varchar',
        'status': 'varchar',
        'start__unix': 'timestamp with time zone',
        'end__unix': 'timestamp with time zone',
        'timezone': 'varchar',
        'venue__name': 'varchar',
        'currency': 'varchar',
        'total_issued_tickets': 'bigint',
        'max_tickets_sold_per_occurrence': 'bigint',
    }) }}
),

series as (
    {{ raw_table('ticket_tailor', 'event_series', {'id': 'varchar', 'name': 'varchar'}) }}
),

ticket_types as (
    select
        account,
        event_id,
        sum(quantity_total) as quantity_total,
        sum(quantity_available) as quantity_available
    from {{ ref('stg_ticket_tailor__ticket_types') }}
    group by account, event_id
),

joined as (
    select
        events.*,
        series.name as series_name,
        ticket_types.quantity_total,
        ticket_types.quantity_available
    from events
    left join series
        on series.account = events.account
        and series.id = events.event_series_id
    left join ticket_types
        on ticket_types.account = events.account
        and ticket_types.event_id = events.id
)

select
    {{ key('ticket_tailor', 'id') }} as event_key,
    cast('ticket_tailor' as varchar) as platform,
    account,
    cast(id as varchar) as source_id,
    cast(coalesce({{ blank_to_null('series_name') }}, {{ blank_to_null('name') }}) as varchar) as series_name,
    cast({{ blank_to_null('name') }} as varchar) as name,
    start__unix as starts_at,
    end__unix as ends_at,
    cast({{ blank_to_null('timezone') }} as varchar) as timezone,
    cast({{ blank_to_null('venue__name') }} as varchar) as venue_name,
    case when lower(trim(status)) in ('cancelled', 'canceled') then true else false end as is_cancelled,
    cast(upper({{ blank_to_null('currency') }}) as varchar) as currency,
    cast(
        case
            when max_tickets_sold_per_occurrence is not null and quantity_total is not null
                then least(quantity_total, max_tickets_sold_per_occurrence)
            when max_tickets_sold_per_occurrence is not null then max_tickets_sold_per_occurrence
            else quantity_total
        end
    as bigint) as capacity,
    cast(
        case
            when max_tickets_sold_per_occurrence is not null and quantity_available is not null
                then least(
                    quantity_available,
                    greatest(max_tickets_sold_per_occurrence - coalesce(total_issued_tickets, 0), 0)
                )
            else quantity_available
        end
    as bigint) as remaining
from joined
