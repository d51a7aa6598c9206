"""The PostgreSQL backend: an asyncpg pool (pool.py), numbered SQL migrations (migrate.py, migrations/)
and the store built on them (store.py)."""
