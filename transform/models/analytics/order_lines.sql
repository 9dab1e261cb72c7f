{{ union_platforms('order_lines', [
    'order_line_key', 'order_key', 'event_key', 'platform', 'account', 'line_kind',
    'description', 'quantity', 'line_amount', 'currency', 'is_refund'
]) }}
