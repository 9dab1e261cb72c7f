"""KorusTicket endpoints, defaults and the shape assumptions the source relies on."""

BASE_URL = "https://api.korusticket.com"
TOKEN_URL = "https://auth.korusticket.com/realms/korusticket/protocol/openid-connect/token"
CREDENTIAL_KEYS = ("client_id", "client_secret")

# API Platform's documented maximum of `itemsPerPage`
PAGE_SIZE = 50
# the language of translated fields (catalog descriptions, product names)
ACCEPT_LANGUAGE = "fr"
# child requests in flight at once (documents per order, catalog lists per catalog)
CONCURRENCY = 10

# Orders and reservations created up to this long before the newest one loaded are re-read
# every run: later cancellations and reservation expiry are merged.
LOOKBACK_DAYS = 3.0
# The vendor advises caching catalog data for about a day: catalogs, product bases, products
# and offers are re-read at most this often.
CATALOG_INTERVAL_HOURS = 24.0

CATALOGS_PATH = "/v1/ticketing/catalogs"
PRODUCT_BASES_PATH = "/v1/ticketing/catalogs/{catalog_id}/product_bases"
PRODUCTS_PATH = "/v1/ticketing/catalogs/{catalog_id}/products"
OFFERS_PATH = "/v1/ticketing/catalogs/{catalog_id}/offers"
ORDERS_PATH = "/v1/booking/orders"
DOCUMENTS_PATH = "/v1/booking/orders/{order_id}/documents"
RESERVATIONS_PATH = "/v1/booking/reservations"

# JSON-LD keys dropped from every record
JSON_LD_KEYS = ("@context", "@id", "@type")
# An IRI of another resource: its last path segment (a UUID) becomes `<name>_id`.
IRI_PATTERN = r"^/v1/[\w/-]+/([0-9a-fA-F-]{36})$"

# ISO 8601 fields loaded as timestamps even while every value seen is null
TIMESTAMP_COLUMNS = {
    "catalogs": ("created_at", "last_synced_at"),
    "product_bases": (),
    "products": (),
    "offers": ("date",),
    "orders": ("created_at", "cancelled_at"),
    "order_documents": ("downloadable_at",),
    "reservations": ("created_at", "expires_at"),
}
