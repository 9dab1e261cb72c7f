-- One row per order item: the offer (a product on a day) bought, in some quantity.
select
    order_line_key,
    order_key,
    event_key,
    cast('korusticket' as varchar) as platform,
    account,
    cast('ticket' as varchar) as line_kind,
    cast(product_name as varchar) as description,
    cast(quantity as bigint) as quantity,
    line_amount,
    cast(currency as varchar) as currency,
    cast(false as boolean) as is_refund
from {{ ref('stg_korusticket__order_items') }}
