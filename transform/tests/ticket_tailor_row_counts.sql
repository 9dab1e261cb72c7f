{#- Ticket Tailor reconciliation: per account, stg_ticket_tailor__orders has as many rows as the
    raw `orders` tables and stg_ticket_tailor__tickets as many as the raw `issued_tickets`
    (every account's dataset, via raw_table). Returns the accounts and tables that differ. -#}
with raw_orders as (
    select account, count(*) as raw_rows
    from ({{ raw_table('ticket_tailor', 'orders', {'id': 'varchar'}) }}) as raw
    group by account
),

model_orders as (
    select account, count(*) as model_rows
    from {{ ref('stg_ticket_tailor__orders') }}
    group by account
),

raw_tickets as (
    select account, count(*) as raw_rows
    from ({{ raw_table('ticket_tailor', 'issued_tickets', {'id': 'varchar'}) }}) as raw
    group by account
),

model_tickets as (
    select account, count(*) as model_rows
    from {{ ref('stg_ticket_tailor__tickets') }}
    group by account
),

compared as (
    select
        'orders' as compared_table,
        coalesce(raw_orders.account, model_orders.account) as account,
        coalesce(raw_orders.raw_rows, 0) as raw_rows,
        coalesce(model_orders.model_rows, 0) as model_rows
    from raw_orders
    full outer join model_orders on model_orders.account = raw_orders.account
    union all
    select
        'issued_tickets' as compared_table,
        coalesce(raw_tickets.account, model_tickets.account) as account,
        coalesce(raw_tickets.raw_rows, 0) as raw_rows,
        coalesce(model_tickets.model_rows, 0) as model_rows
    from raw_tickets
    full outer join model_tickets on model_tickets.account = raw_tickets.account
)

select * from compared where raw_rows <> model_rows
