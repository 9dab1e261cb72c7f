{{ union_platforms('events', [
    'event_key', 'platform', 'account', 'source_id', 'series_name', 'name', 'starts_at',
    'ends_at', 'timezone', 'venue_name', 'is_cancelled', 'currency', 'capacity', 'remaining'
]) }}
