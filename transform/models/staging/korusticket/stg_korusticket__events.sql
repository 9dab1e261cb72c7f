-- One row per occurrence: a product base on an offer date (`<product_base_id>:<YYYY-MM-DD>`),
-- made from the offers of the base's products on that day.
with offers as (
    select * from {{ ref('stg_korusticket__offers') }}
    where occurrence_id is not null
),

product_bases as (
    {{ raw_table('korusticket', 'product_bases', {
        'id': 'varchar',
        'catalog_id': 'varchar',
        'name': 'varchar',
        'timezone': 'varchar',
        'disabled': 'boolean',
        'venue__name': 'varchar',
        '_deleted': 'boolean',
    }) }}
),

catalogs as (
    {{ raw_table('korusticket', 'catalogs', {
        'id': 'varchar',
        'venue__name': 'varchar',
        '_deleted': 'boolean',
    }) }}
),

occurrences as (
    select
        account,
        occurrence_id,
        product_base_id,
        min(offer_served_at) as starts_at,
        case when count(distinct currency) = 1 then max(currency) end as currency,
        sum(available_quantity) as remaining
    from offers
    group by account, occurrence_id, product_base_id
),

described as (
    select
        occurrences.account,
        occurrences.occurrence_id,
        {{ blank_to_null('product_bases.name') }} as base_name,
        occurrences.starts_at,
        {{ blank_to_null('product_bases.timezone') }} as timezone,
        coalesce(
            {{ blank_to_null('product_bases.venue__name') }},
            {{ blank_to_null('catalogs.venue__name') }}
        ) as venue_name,
        occurrences.currency,
        occurrences.remaining
    from occurrences
    left join product_bases
        on product_bases.account = occurrences.account
        and product_bases.id = occurrences.product_base_id
        and coalesce(product_bases._deleted, false) = false
    left join catalogs
        on catalogs.account = product_bases.account
        and catalogs.id = product_bases.catalog_id
        and coalesce(catalogs._deleted, false) = false
)

select
    cast({{ key('korusticket', 'occurrence_id') }} as varchar) as event_key,
    cast('korusticket' as varchar) as platform,
    account,
    cast(occurrence_id as varchar) as source_id,
    cast(base_name as varchar) as series_name,
    cast(base_name as varchar) as name,
    cast(starts_at as timestamp with time zone) as starts_at,
    cast(null as timestamp with time zone) as ends_at,
    cast(timezone as varchar) as timezone,
    cast(venue_name as varchar) as venue_name,
    cast(false as boolean) as is_cancelled,
    cast(currency as varchar) as currency,
    cast(null as bigint) as capacity,
    cast(remaining as bigint) as remaining
from described
