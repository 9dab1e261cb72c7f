{# KorusTicket-only cleaning rules (shared ones are in values.sql). #}

{% macro korusticket_offer_day(served) -%}
    {#- An offer's `date` is a calendar day that the API serves as that day's 00:00 UTC
        (API Platform's serialisation of a Doctrine date): its UTC date is the offer date.
        Reading it in the product base's time zone would move it to the day before for any
        zone west of UTC. -#}
    cast({{ served }} at time zone 'UTC' as date)
{%- endmacro %}

{% macro korusticket_iso_date(day) -%}
    {#- `YYYY-MM-DD` from a date, whatever the session's DateStyle (Postgres) -#}
    (lpad(cast(cast(extract(year from {{ day }}) as integer) as varchar), 4, '0') || '-'
     || lpad(cast(cast(extract(month from {{ day }}) as integer) as varchar), 2, '0') || '-'
     || lpad(cast(cast(extract(day from {{ day }}) as integer) as varchar), 2, '0'))
{%- endmacro %}

{% macro korusticket_order_status(status) -%}
    {#- `confirmed` is `completed`; `cancelled` stays. Anything else is passed on lower-cased,
        so that the accepted_values test names a status the API has started to send. -#}
    case lower(trim({{ status }}))
        when 'confirmed' then 'completed'
        when 'cancelled' then 'cancelled'
        else lower(trim({{ status }}))
    end
{%- endmacro %}
