-- KorusTicket: stg_korusticket__orders has one row per raw order (all accounts), and its gross
-- revenue is the raw orders' `total_amount_incl_tax` (major units): no order lost, none counted
-- twice by a join to its items. Returns a row only on a mismatch.
with raw as (
    select
        count(*) as order_count,
        coalesce(sum(cast(total_amount_incl_tax as decimal(18, 2))), 0) as gross_amount
    from (
        {{ raw_table('korusticket', 'orders', {
            'id': 'varchar',
            'total_amount_incl_tax': 'decimal(38, 9)',
        }) }}
    ) as orders
),

staged as (
    select
        count(*) as order_count,
        coalesce(sum(gross_amount), 0) as gross_amount
    from {{ ref('stg_korusticket__orders') }}
)

select
    raw.order_count as raw_orders,
    staged.order_count as staged_orders,
    raw.gross_amount as raw_gross,
    staged.gross_amount as staged_gross
from raw
cross join staged
where raw.order_count <> staged.order_count
    or raw.gross_amount <> staged.gross_amount
