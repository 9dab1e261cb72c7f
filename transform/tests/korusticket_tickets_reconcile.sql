-- KorusTicket: stg_korusticket__tickets has one row per unit of every raw order item (all
-- accounts; the API has no ticket records, an item of quantity q is q admissions). Returns a
-- row only on a mismatch.
with raw_items as (
    {{ raw_table('korusticket', 'orders__items', {
        'quantity': 'bigint',
        '_dlt_parent_id': 'varchar',
    }) }}
),

raw_orders as (
    {{ raw_table('korusticket', 'orders', {'_dlt_id': 'varchar'}) }}
),

raw_units as (
    select coalesce(sum(case when raw_items.quantity > 0 then raw_items.quantity else 0 end), 0)
        as ticket_count
    from raw_items
    inner join raw_orders
        on raw_orders.account = raw_items.account
        and raw_orders._dlt_id = raw_items._dlt_parent_id
),

staged as (
    select count(*) as ticket_count from {{ ref('stg_korusticket__tickets') }}
)

select
    raw_units.ticket_count as raw_tickets,
    staged.ticket_count as staged_tickets
from raw_units
cross join staged
where raw_units.ticket_count <> staged.ticket_count
