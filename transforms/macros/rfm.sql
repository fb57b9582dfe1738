{#-
  The RFM rules, one place for the snapshot (mart_customer_rfm) and the month-end history
  (mart_customer_rfm_monthly): each score is ceil(5 × cume_dist) among the customers with orders
  (of the same month end, when partitioned), so equal values share a score; the segment is the
  first match of the list below.
-#}
{% macro rfm_score(column, direction, partition_by=none) -%}
    cast(ceil(5 * cume_dist() over (
        {%- if partition_by %} partition by {{ partition_by }}{% endif %} order by {{ column }} {{ direction }})) as integer)
{%- endmacro %}

{% macro rfm_segment(r_score, f_score) -%}
    case
        when {{ r_score }} >= 4 and {{ f_score }} >= 4 then 'champions'
        when {{ r_score }} >= 3 and {{ f_score }} >= 3 then 'loyal'
        when {{ r_score }} >= 4 then 'new'
        when {{ f_score }} >= 3 then 'at_risk'
        when {{ r_score }} <= 2 then 'hibernating'
        else 'needs_attention'
    end
{%- endmacro %}
