{#- Data tests scoped to the rows of the run (incremental pipeline runs), complete on full runs.

    A model opts in with `config: meta: run_scope: {column: <col>, since: ledger_id | time}`:
    its row-level generic tests (not_null, accepted_values, relationships, not_negative) see only
    the rows whose <col> is above the last ledger id / at or after the time (less the extract's
    5-minute overlap) of the last dbt build whose tests all passed; `unique` sees every row whose
    key occurs among those rows (a new row duplicating an old key is still caught). Other tests
    (unique combinations, singular tests) always read the whole model.

    The bounds come from the one-row table meta.run_scope, which the Dagster dbt step writes just
    before `dbt build` (orchestration/dbt_test_scope.py) and the on-run-end hook empties. The filter is
    plain SQL over that table: nothing here depends on `--vars`, so the parse (and dbt's partial
    parse cache) is the same on every run. No row (a full run, a first run, a bare `dbt build`):
    every row is tested. A row whose <col> is null is always tested.

    dbt renders a generic test's `where` config when it parses the project; the filter is added
    here instead, in the project's own get_where_subquery (which the generic tests call when they
    run, overriding dbt's), so it can read the model's meta at execution time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = jxc_run_scope_filter(relation) if execute else none -%}
    {%- if where and scope -%}
        {%- do return('(select * from ' ~ relation ~ ' where (' ~ where ~ ') and ' ~ scope ~ ') dbt_subquery') -%}
    {%- elif scope -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ scope ~ ') dbt_subquery') -%}
    {%- elif where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro jxc_run_scope_condition(column, since) -%}
    {%- if since == 'ledger_id' -%}
        {%- set bound = "(select since_ledger_id from meta.run_scope)" -%}
        (coalesce({{ column }} > {{ bound }}, true))
    {%- elif since == 'time' -%}
        {%- set bound = "(select since_time - interval 5 minute from meta.run_scope)" -%}
        (coalesce({{ column }} >= {{ bound }}, true))
    {%- else -%}
        {{ exceptions.raise_compiler_error("run_scope.since must be ledger_id or time, not " ~ since) }}
    {%- endif -%}
{%- endmacro %}

{% macro jxc_run_scope_filter(relation) -%}
    {%- set attached = model.get('attached_node') -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- if not attached or attached not in graph.nodes -%}{%- do return(none) -%}{%- endif -%}
    {%- set spec = (graph.nodes[attached].get('config', {}).get('meta', {}) or {}).get('run_scope') -%}
    {%- if not spec -%}{%- do return(none) -%}{%- endif -%}
    {%- set condition = jxc_run_scope_condition(spec['column'], spec['since']) | trim -%}
    {%- if test.get('name') in ['not_null', 'accepted_values', 'relationships', 'not_negative'] -%}
        {%- do return(condition) -%}
    {%- elif test.get('name') == 'unique' -%}
        {%- set key = test.get('kwargs', {}).get('column_name') -%}
        {%- do return(key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' where ' ~ condition ~ ')') -%}
    {%- else -%}
        {%- do return(none) -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: the scope table exists (empty: everything is tested) before any test reads it. -#}
{% macro jxc_run_scope_table() -%}
    create schema if not exists meta;
    create table if not exists meta.run_scope (
        since_ledger_id bigint, since_time timestamp, run_id varchar, written_at timestamp
    );
{%- endmacro %}
