{# TicketSource-only helpers for the staging models in models/staging/ticketsource. #}

{% macro ticketsource_currency(account='account') -%}
    {#- TicketSource's API names no currency: every amount of an account is in
        `sources.ticketsource.NAME.currency` where the account sets one, else in
        `sources.ticketsource.currency` (passed in as the dbt vars `ticketsource_currencies`
        and `ticketsource_currency`) -#}
    {%- set default = var("ticketsource_currency") | string | trim | upper -%}
    {%- set accounts = var("ticketsource_currencies", {}) -%}
    {%- if accounts -%}
    cast(case {{ account }}
        {%- for name, currency in accounts.items() %} when '{{ name }}' then '{{ currency | string | trim | upper }}'{% endfor %}
        else '{{ default }}' end as varchar)
    {%- else -%}
    cast('{{ default }}' as varchar)
    {%- endif -%}
{%- endmacro %}

{% macro ticketsource_not_deleted() -%}
    {#- rows flagged `_deleted` delete what they match and are never meant to be stored; should
        one be stored anyway, it is not a record -#}
    coalesce(_deleted, false) = false
{%- endmacro %}
