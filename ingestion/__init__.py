"""Ingestion: the operational store → ``warehouse.duckdb`` schema ``raw`` (incremental, through Arrow).

The public entry points are :func:`ingestion.extract.extract_to_raw` and :func:`ingestion.extract.raw_tables`.
"""
