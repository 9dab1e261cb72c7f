{# Small cleaning rules every platform's staging shares. #}

{% macro key(platform, id) -%}
    {#- `platform:account:id`, unique across platforms and accounts -#}
    ('{{ platform }}:' || account || ':' || cast({{ id }} as varchar))
{%- endmacro %}

{% macro blank_to_null(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro money(amount) -%}
    cast({{ amount }} as decimal(18, 2))
{%- endmacro %}

{% macro minor_to_major(amount, multiplier) -%}
    {#- integer minor units (cents) to major units, without float noise -#}
    cast(cast({{ amount }} as decimal(38, 9)) / nullif({{ multiplier }}, 0) as decimal(18, 2))
{%- endmacro %}

{% macro string_bool(column) -%}
    {#- Ticket Tailor's 'true' / 'false' strings -#}
    case lower(trim({{ column }})) when 'true' then true when 'false' then false end
{%- endmacro %}

{% macro email_key(column) -%}
    lower(nullif(trim({{ column }}), ''))
{%- endmacro %}

{% macro listagg_sorted(column, delimiter) -%}
    {#- the values joined in order; both DuckDB and Postgres take this form -#}
    string_agg({{ column }}, {{ delimiter }} order by {{ column }})
{%- endmacro %}
