-- Buyers matched across platforms and accounts by e-mail: the only identifier they share.
with buyers as (
    select * from {{ ref('orders') }} where customer_key is not null
),

latest as (
    select
        customer_key,
        customer_first_name,
        customer_last_name,
        row_number() over (
            partition by customer_key order by created_at desc, order_key desc
        ) as recency
    from buyers
),

platforms as (
    select distinct customer_key, platform from buyers
),

platform_lists as (
    select
        customer_key,
        {{ listagg_sorted('platform', "','") }} as platforms
    from platforms
    group by customer_key
)

select
    buyers.customer_key,
    buyers.customer_key as email,
    latest.customer_first_name as first_name,
    latest.customer_last_name as last_name,
    platform_lists.platforms,
    min(buyers.created_at) as first_order_at,
    max(buyers.created_at) as last_order_at,
    count(*) as order_count
from buyers
inner join latest on latest.customer_key = buyers.customer_key and latest.recency = 1
inner join platform_lists on platform_lists.customer_key = buyers.customer_key
group by
    buyers.customer_key,
    latest.customer_first_name,
    latest.customer_last_name,
    platform_lists.platforms
