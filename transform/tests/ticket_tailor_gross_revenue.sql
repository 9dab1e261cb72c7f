{#- Ticket Tailor reconciliation: per account and currency, and over everything, the sum of
    stg_ticket_tailor__orders.gross_amount equals the raw orders' `total` in major units: the raw
    integer totals (minor units) summed per account, currency and `currency__base_multiplier`,
    then divided by the multiplier once. Returns the groups that differ by a cent or more. -#}
with raw_orders as (
    {{ raw_table('ticket_tailor', 'orders', {
        'id': 'varchar',
        'total': 'bigint',
        'currency__code': 'varchar',
        'currency__base_multiplier': 'bigint',
    }) }}
),

raw_minor as (
    select
        account,
        coalesce(upper(trim(currency__code)), '(none)') as currency,
        currency__base_multiplier as multiplier,
        sum(total) as total_minor
    from raw_orders
    group by account, coalesce(upper(trim(currency__code)), '(none)'), currency__base_multiplier
),

raw_totals as (
    select
        account,
        currency,
        sum(cast(cast(total_minor as decimal(38, 2)) / nullif(multiplier, 0) as decimal(38, 2))) as raw_gross
    from raw_minor
    group by account, currency
),

model_totals as (
    select
        account,
        coalesce(currency, '(none)') as currency,
        sum(gross_amount) as model_gross
    from {{ ref('stg_ticket_tailor__orders') }}
    group by account, coalesce(currency, '(none)')
),

compared as (
    select
        coalesce(raw_totals.account, model_totals.account) as account,
        coalesce(raw_totals.currency, model_totals.currency) as currency,
        raw_totals.raw_gross,
        model_totals.model_gross
    from raw_totals
    full outer join model_totals
        on model_totals.account = raw_totals.account
        and model_totals.currency = raw_totals.currency
    union all
    select
        'all accounts' as account,
        'all currencies' as currency,
        (select sum(raw_gross) from raw_totals) as raw_gross,
        (select sum(gross_amount) from {{ ref('stg_ticket_tailor__orders') }}) as model_gross
)

select *
from compared
where (raw_gross is null and model_gross is not null)
   or (raw_gross is not null and model_gross is null)
   or abs(raw_gross - model_gross) >= 0.01
