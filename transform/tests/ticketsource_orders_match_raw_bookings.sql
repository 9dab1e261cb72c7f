-- TicketSource: stg_ticketsource__orders has one row per loaded booking, per account.
-- Returns the accounts whose counts differ.
with raw as (
    select account, count(*) as raw_rows
    from (
        {{ raw_table('ticketsource', 'bookings', {'id': 'varchar', '_deleted': 'boolean'}) }}
    ) bookings
    where coalesce(_deleted, false) = false
    group by account
),

model as (
    select account, count(*) as model_rows
    from {{ ref('stg_ticketsource__orders') }}
    group by account
)

select
    coalesce(raw.account, model.account) as account,
    coalesce(raw.raw_rows, 0) as raw_rows,
    coalesce(model.model_rows, 0) as model_rows
from raw
full outer join model on model.account = raw.account
where coalesce(raw.raw_rows, 0) <> coalesce(model.model_rows, 0)
