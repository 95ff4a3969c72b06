"""Database routing: one PostgreSQL primary, optionally one streaming read replica.

Writes, migrations and ordinary reads go to the primary (``default``). Only reads made inside
``complaints.db.replica_reads()`` — the monthly reports and exports — go to the replica
(``DATABASE_REPLICA_URL`` → ``DATABASES["replica"]``), and only when it is configured and no
transaction is open on the primary. Everything that must see its own writes (a service, a
form redisplayed after a save, a sweep) therefore keeps reading the primary.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from complaints.db import REPLICA_ALIAS, reading_from_replica


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if reading_from_replica():
            return REPLICA_ALIAS
        # None: Django's default choice (the instance's own database, else ``default``).
        return None

    def db_for_write(self, model, **hints) -> str:
        # An object read from the replica is saved to the primary: the replica is read-only.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same data, so objects read from either may be related.
        databases = {obj1._state.db, obj2._state.db}
        if databases <= {DEFAULT_DB_ALIAS, REPLICA_ALIAS}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica follows the primary's WAL; it is never migrated on its own.
        if db == REPLICA_ALIAS:
            return False
        return None
