"""Import (系统集成 · 导入): master records, opening stock and historical documents from CSV / Excel
templates or, through a mapping file, from another system's CSV export; validated row by row,
then written all or nothing through ``operational.services`` (docs/import.md)."""
