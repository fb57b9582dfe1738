"""The operational store: tables, migrations and the services that post documents."""
