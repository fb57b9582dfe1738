"""Business rules of the operational store, one module per area. Pages, the API, the importer
and the demo simulator call these; nothing else writes to the store."""
