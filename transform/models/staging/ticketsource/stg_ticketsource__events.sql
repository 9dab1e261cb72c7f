{#- One row per TicketSource date: the analytics occurrence. The TicketSource event is the series. -#}
with dates as (
    select * from {{ ref('stg_ticketsource__dates') }}
),

series as (
    select account, source_id, name from {{ ref('stg_ticketsource__series') }}
),

venues as (
    select account, source_id, name from {{ ref('stg_ticketsource__venues') }}
)

select
    cast(dates.event_key as varchar) as event_key,
    cast('ticketsource' as varchar) as platform,
    cast(dates.account as varchar) as account,
    cast(dates.source_id as varchar) as source_id,
    cast(series.name as varchar) as series_name,
    cast(series.name as varchar) as name,
    cast(dates.starts_at as timestamp with time zone) as starts_at,
    cast(dates.ends_at as timestamp with time zone) as ends_at,
    cast(null as varchar) as timezone,
    cast(venues.name as varchar) as venue_name,
    cast(dates.is_cancelled as boolean) as is_cancelled,
    {{ ticketsource_currency('dates.account') }} as currency,
    cast(null as bigint) as capacity,
    cast(null as bigint) as remaining
from dates
left join series
    on series.account = dates.account
    and series.source_id = dates.event_id
left join venues
    on venues.account = dates.account
    and venues.source_id = dates.venue_id
