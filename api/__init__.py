"""The REST API (FastAPI) over the operational services: masters, documents and their state
changes, live stock, and the published marts. Token authentication with the app's roles.
See docs/api.md."""
