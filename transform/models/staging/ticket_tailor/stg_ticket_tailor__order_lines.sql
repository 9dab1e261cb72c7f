{#- Contract model `order_lines` for Ticket Tailor: one row per line item the API gives. -#}
select
    line_item_key as order_line_key,
    order_key,
    event_key,
    platform,
    account,
    cast(
        case line_type
            when 'ticket' then 'ticket'
            when 'transaction_charge' then 'fee'
            when 'donation' then 'donation'
            else 'other'
        end
    as varchar) as line_kind,
    description,
    quantity,
    total_amount as line_amount,
    currency,
    false as is_refund
from {{ ref('stg_ticket_tailor__line_items') }}
