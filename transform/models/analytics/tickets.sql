{{ union_platforms('tickets', [
    'ticket_key', 'order_key', 'event_key', 'platform', 'account', 'status', 'checked_in',
    'attendee_email', 'created_at'
]) }}
