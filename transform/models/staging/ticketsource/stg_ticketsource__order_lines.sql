{#- One row per TicketSource booking line (the API gives them no id). -#}
select
    cast(order_line_key as varchar) as order_line_key,
    cast(order_key as varchar) as order_key,
    cast(event_key as varchar) as event_key,
    cast('ticketsource' as varchar) as platform,
    cast(account as varchar) as account,
    cast(
        case
            when line_type = 'TICKETS' then 'ticket'
            when line_type = 'DONATION' then 'donation'
            when line_type like '%FEE%' then 'fee'
            else 'other'
        end as varchar
    ) as line_kind,
    cast(
        case
            when discount_code is null then line_type
            else line_type || ' (' || discount_code || ')'
        end as varchar
    ) as description,
    cast(null as bigint) as quantity,
    {{ money('case when is_refund then -abs(gross_amount) else gross_amount end') }} as line_amount,
    {{ ticketsource_currency() }} as currency,
    cast(is_refund as boolean) as is_refund
from {{ ref('stg_ticketsource__booking_lines') }}
