"""dlt sources for ticketing platforms; `client` holds the HTTP layer they share."""
