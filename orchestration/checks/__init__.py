"""Asset checks: GX 1.x expectations on raw tables and marts, and the stock reconciliation."""
