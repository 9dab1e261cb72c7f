{{ union_platforms('orders', [
    'order_key', 'platform', 'account', 'source_id', 'reference', 'customer_key',
    'customer_email', 'customer_first_name', 'customer_last_name', 'created_at', 'status',
    'cancelled_at', 'currency', 'gross_amount', 'refund_amount', 'net_amount', 'ticket_count'
]) }}
