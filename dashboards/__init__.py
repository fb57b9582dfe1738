"""JXC's Streamlit app: analysis dashboards over the published marts and entry forms over the
operational services (``streamlit run dashboards/app.py``; see docs/dashboards.md)."""
