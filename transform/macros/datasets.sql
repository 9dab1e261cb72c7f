{#
  The raw tables of every account of a platform, unioned.

  A platform's default account loads into the schema named after it (`ticket_tailor`), account
  `london` into `ticket_tailor_london`. The schemas are discovered when the models run, so a
  new account needs no change here, and a platform with nothing loaded yet contributes no rows.
  dlt creates a column only once some record has a value for it: a column a dataset lacks is
  read as NULL.
#}

{% macro datasets(platform) %}
    {#- [{schema, account}] of the platform's loaded datasets -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select schema_name from information_schema.schemata
        where (schema_name = '{{ platform }}' or schema_name like '{{ platform }}\_%' escape '\')
        {%- if target.type == 'duckdb' %} and catalog_name = current_database(){% endif %}
        order by schema_name
    {%- endset -%}
    {%- set found = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- set schema = row[0] -%}
        {%- set account = 'default' if schema == platform else schema[platform | length + 1:] -%}
        {%- do found.append({'schema': schema, 'account': account}) -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}


{% macro raw_table(platform, table, columns) %}
    {#- `select account, <columns> from <every account's table>`; `columns` maps each column
        to the type it is read as (missing ones are NULL of that type) -#}
    {%- set parts = [] -%}
    {%- for dataset in datasets(platform) -%}
        {%- set relation = adapter.get_relation(database=target.database, schema=dataset.schema, identifier=table) -%}
        {%- if relation is not none -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- set selected = [] -%}
            {%- for column, type in columns.items() -%}
                {%- if column in present -%}
                    {%- do selected.append('cast(' ~ adapter.quote(column) ~ ' as ' ~ type ~ ') as ' ~ adapter.quote(column)) -%}
                {%- else -%}
                    {%- do selected.append('cast(null as ' ~ type ~ ') as ' ~ adapter.quote(column)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do parts.append("select cast('" ~ dataset.account ~ "' as varchar) as account, " ~ selected | join(', ') ~ ' from ' ~ relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if parts -%}
        {{ parts | join('\nunion all\n') }}
    {%- else -%}
        select cast(null as varchar) as account
        {%- for column, type in columns.items() %}, cast(null as {{ type }}) as {{ adapter.quote(column) }}{% endfor %}
        where 1 = 0
    {%- endif -%}
{% endmacro %}
