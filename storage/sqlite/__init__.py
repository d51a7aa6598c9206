"""The SQLite backend: the connections of one file (db.py), its numbered migrations (schema.py), the
store built on them (store.py, one object per area), the bulk importer (importer.py) and online backup
(backup.py)."""
