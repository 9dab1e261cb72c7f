{#- TicketSource booking lines (`lines` inside each booking, loaded as bookings__lines), cleaned.
    Amounts are decimals in major units, as the API gives them (a refund line's are negative). -#}
with lines as (
    {{ raw_table('ticketsource', 'bookings__lines', {
        '_dlt_parent_id': 'varchar',
        '_dlt_list_idx': 'bigint',
        'line_type': 'varchar',
        'payment_method': 'varchar',
        'is_refund': 'boolean',
        'amount__gross': 'decimal(38, 9)',
        'amount__fee': 'decimal(38, 9)',
        'amount__fee_vat': 'decimal(38, 9)',
        'amount__net': 'decimal(38, 9)',
        'amount__discounts__automatic': 'decimal(38, 9)',
        'amount__discounts__code__description': 'varchar',
        'amount__discounts__code__amount': 'decimal(38, 9)',
        'donation__gift_aid': 'boolean',
        'created_at': 'timestamp with time zone',
        'updated_at': 'timestamp with time zone',
    }) }}
),

bookings as (
    select account, source_id, date_id, dlt_id
    from {{ ref('stg_ticketsource__bookings') }}
),

joined as (
    select
        lines.account,
        bookings.source_id as booking_id,
        bookings.date_id,
        lines._dlt_list_idx as line_index,
        lines.line_type,
        lines.payment_method,
        lines.is_refund,
        lines.amount__gross,
        lines.amount__fee,
        lines.amount__fee_vat,
        lines.amount__net,
        lines.amount__discounts__automatic,
        lines.amount__discounts__code__description,
        lines.amount__discounts__code__amount,
        lines.donation__gift_aid,
        lines.created_at,
        lines.updated_at
    from lines
    inner join bookings
        on bookings.account = lines.account
        and bookings.dlt_id = lines._dlt_parent_id
)

select
    {{ key('ticketsource', "booking_id || ':' || cast(line_index as varchar)") }} as order_line_key,
    {{ key('ticketsource', 'booking_id') }} as order_key,
    {{ key('ticketsource', 'date_id') }} as event_key,
    account,
    booking_id,
    line_index,
    upper({{ blank_to_null('line_type') }}) as line_type,
    {{ blank_to_null('payment_method') }} as payment_method,
    coalesce(is_refund, false) as is_refund,
    {{ money('amount__gross') }} as gross_amount,
    {{ money('amount__fee') }} as fee_amount,
    {{ money('amount__fee_vat') }} as fee_vat_amount,
    {{ money('amount__net') }} as net_amount,
    {{ money('amount__discounts__automatic') }} as automatic_discount_amount,
    {{ blank_to_null('amount__discounts__code__description') }} as discount_code,
    {{ money('amount__discounts__code__amount') }} as discount_code_amount,
    donation__gift_aid as is_gift_aid,
    created_at,
    updated_at
from joined
