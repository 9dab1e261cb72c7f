-- One row per offer (a product's price and availability on one day), every account, with the
-- product base and day that make its occurrence (`<product_base_id>:<YYYY-MM-DD>`).
with offers as (
    {{ raw_table('korusticket', 'offers', {
        'id': 'varchar',
        'catalog_id': 'varchar',
        'product_id': 'varchar',
        'date': 'timestamp with time zone',
        'available_quantity': 'bigint',
        'price__amount_incl_tax': 'decimal(38, 9)',
        'price__original_amount_incl_tax': 'decimal(38, 9)',
        'price__currency': 'varchar',
        '_deleted': 'boolean',
    }) }}
),

products as (
    {{ raw_table('korusticket', 'products', {
        'id': 'varchar',
        'product_base_id': 'varchar',
        'name': 'varchar',
        'category': 'varchar',
        '_deleted': 'boolean',
    }) }}
),

joined as (
    select
        offers.account,
        offers.id as offer_id,
        offers.catalog_id,
        offers.product_id,
        products.product_base_id,
        {{ blank_to_null('products.name') }} as product_name,
        {{ blank_to_null('products.category') }} as product_category,
        offers."date" as offer_served_at,
        {{ korusticket_offer_day('offers."date"') }} as offer_date,
        offers.available_quantity,
        {{ money('offers.price__amount_incl_tax') }} as unit_amount,
        {{ money('offers.price__original_amount_incl_tax') }} as original_unit_amount,
        upper({{ blank_to_null('offers.price__currency') }}) as currency
    from offers
    left join products
        on products.account = offers.account
        and products.id = offers.product_id
        and coalesce(products._deleted, false) = false
    where coalesce(offers._deleted, false) = false
),

identified as (
    select
        joined.*,
        case
            when product_base_id is not null and offer_date is not null
                then product_base_id || ':' || {{ korusticket_iso_date('offer_date') }}
        end as occurrence_id
    from joined
)

select
    cast({{ key('korusticket', 'offer_id') }} as varchar) as offer_key,
    cast({{ key('korusticket', 'occurrence_id') }} as varchar) as event_key,
    account,
    offer_id,
    occurrence_id,
    catalog_id,
    product_id,
    product_base_id,
    product_name,
    product_category,
    offer_date,
    offer_served_at,
    available_quantity,
    unit_amount,
    original_unit_amount,
    currency
from identified
