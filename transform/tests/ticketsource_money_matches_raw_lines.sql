-- TicketSource: per account, orders' gross_amount is the raw non-refund lines' amount__gross,
-- refund_amount minus the refund lines' amount__gross (negative in the API), and net_amount
-- the sum of all lines. Returns the accounts whose figures differ.
with bookings as (
    {{ raw_table('ticketsource', 'bookings', {'_dlt_id': 'varchar', '_deleted': 'boolean'}) }}
),

lines as (
    {{ raw_table('ticketsource', 'bookings__lines', {
        '_dlt_parent_id': 'varchar', 'is_refund': 'boolean', 'amount__gross': 'decimal(38, 9)'
    }) }}
),

raw as (
    select
        lines.account,
        sum(case when coalesce(lines.is_refund, false) then 0 else lines.amount__gross end) as gross,
        sum(case when coalesce(lines.is_refund, false) then -lines.amount__gross else 0 end) as refund,
        sum(lines.amount__gross) as net
    from lines
    inner join bookings
        on bookings.account = lines.account
        and bookings._dlt_id = lines._dlt_parent_id
    where coalesce(bookings._deleted, false) = false
    group by lines.account
),

model as (
    select
        account,
        sum(gross_amount) as gross,
        sum(refund_amount) as refund,
        sum(net_amount) as net
    from {{ ref('stg_ticketsource__orders') }}
    group by account
)

select
    coalesce(raw.account, model.account) as account,
    raw.gross as raw_gross, model.gross as model_gross,
    raw.refund as raw_refund, model.refund as model_refund,
    raw.net as raw_net, model.net as model_net
from raw
full outer join model on model.account = raw.account
where coalesce(raw.gross, 0) <> coalesce(model.gross, 0)
    or coalesce(raw.refund, 0) <> coalesce(model.refund, 0)
    or coalesce(raw.net, 0) <> coalesce(model.net, 0)
