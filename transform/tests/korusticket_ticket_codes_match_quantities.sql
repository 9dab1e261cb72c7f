-- KorusTicket: the raw `orders__items__tickets` (the ticket ids listed on each item) agrees with
-- the item quantities that stg_korusticket__tickets is built from: every item that lists ticket
-- ids lists exactly `quantity` distinct ones. Items listing none are not checked (the list is
-- not in the contract, and a table or account may not have it). Returns rows only on a mismatch.
with items as (
    {{ raw_table('korusticket', 'orders__items', {
        'id': 'varchar',
        'quantity': 'bigint',
        '_dlt_id': 'varchar',
    }) }}
),

codes as (
    {{ raw_table('korusticket', 'orders__items__tickets', {
        'value': 'varchar',
        '_dlt_parent_id': 'varchar',
    }) }}
),

listed as (
    select account, _dlt_parent_id, count(*) as codes, count(distinct value) as distinct_codes
    from codes
    group by account, _dlt_parent_id
)

select
    items.account,
    items.id as item_id,
    items.quantity,
    listed.codes,
    listed.distinct_codes
from items
inner join listed
    on listed.account = items.account
    and listed._dlt_parent_id = items._dlt_id
where listed.codes <> coalesce(items.quantity, 0)
    or listed.distinct_codes <> listed.codes
