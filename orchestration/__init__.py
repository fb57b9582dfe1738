"""Orchestration: the Dagster code location that runs store → raw → dbt → checks → serving, and the
``jxc`` command line."""
