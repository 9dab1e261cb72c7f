{% macro union_platforms(model, columns) %}
    {#- the platforms' `stg_<platform>__<model>` one under the other, columns named, in order -#}
    {%- for platform in ['ticket_tailor', 'ticketsource', 'korusticket'] %}
    select {{ columns | join(', ') }} from {{ ref('stg_' ~ platform ~ '__' ~ model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
