"""Upgraded PostgreSQL schemas for the tests, used again instead of made anew.

A schema made from the pg_dump script (tests/conftest.py, ``pg_schema_script``) costs PostgreSQL
≈ 50 ms of CPU (30 tables, 31 indexes, the migrations' rows), more once the test database's
catalogues have grown from many runs: about a minute of CPU over the ≈ 1,000 PostgreSQL runs of
the suite. Emptying a used one back to what the migrations leave costs ≈ 1 ms: every table's rows
deleted (foreign keys not checked on the way, ``session_replication_role``), the sequences set
back and the migrations' own rows inserted again, all from the same dump. The copy is then the
same upgraded, empty database the migrations give (tests/test_fixtures.py compares the two).

A schema a test changed (a table, a column, an index, a constraint, a function or a type added,
altered or dropped; the migrations run down) is not used again: its shape is compared after each
test with its shape when it was made (SHAPE), and a changed one is dropped. So is one that
cannot be emptied (a connection the test left open holding a lock, a role without the right to
skip the checks).
"""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Engine

from storage.db import make_engine

SCHEMA_TOKEN = "tmpl_schema_token"

# What a test may have changed in a schema, by the catalogue's own ids, which a schema keeps while
# nobody alters it: the objects in it (tables, sequences, types, functions), what depends on its
# tables (indexes, constraints, defaults, triggers) and their columns. A table, column, index,
# constraint, default, trigger, function or type added, dropped or altered shows as a new or a
# missing id or a changed column. Read through pg_depend's index (≈ 1 ms of PostgreSQL's CPU):
# the catalogues of a database that has seen many test runs are large, and scanning them (≈ 11
# ms, comparing the definitions written out) would cost more than the emptying.
SHAPE = """
WITH objects AS (
  SELECT classid, objid FROM pg_depend
   WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(oid)s
), parts AS (
  SELECT concat_ws(' ', classid, objid) AS part FROM objects
  UNION ALL
  SELECT concat_ws(' ', d.refobjid, d.classid, d.objid, d.refobjsubid, d.deptype)
    FROM objects o JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = o.objid
  UNION ALL
  SELECT concat_ws(' ', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
                   a.atthasdef)
    FROM objects o JOIN pg_attribute a ON a.attrelid = o.objid
   WHERE o.classid = 'pg_class'::regclass AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT md5(string_agg(part, ',' ORDER BY part)) FROM parts
"""


class SchemaPool:
    """One test process's schemas: ``take`` one (emptied, or new), ``give_back`` it after."""

    def __init__(self, url: str, script: str) -> None:
        self.url = url
        self.script = script
        lines = script.splitlines()
        # what the migrations leave in the tables, and every sequence back at its start
        self.refill = [
            line for line in lines if line.startswith(("INSERT INTO", "SELECT pg_catalog.setval"))
        ]
        self.tables = [
            line.split()[2].split(".", 1)[1].strip('"(')
            for line in lines
            if line.startswith("CREATE TABLE ")
        ]
        self.admin = make_engine(url)
        self.free: list[str] = []
        self.shapes: dict[str, str] = {}  # each schema's shape when it was made

    def _execute(self, sql: str, params: dict[str, object] | None = None) -> object:
        """One transaction on the admin connection (no search path: every name it shows is
        qualified); the first column of its first row, if any."""
        raw = self.admin.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.execute("SET LOCAL search_path = ''")
                cursor.execute(sql, params)
                found = cursor.fetchone() if cursor.description else None
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()
        return found[0] if found else None

    def shape(self, schema: str) -> str:
        oid = self._execute(
            "SELECT oid FROM pg_namespace WHERE nspname = %(name)s", {"name": schema}
        )
        return str(self._execute(SHAPE, {"oid": oid}))

    def _new(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self._execute(self.script.replace(SCHEMA_TOKEN, schema))
        self.shapes[schema] = self.shape(schema)
        return schema

    def take(self) -> str:
        """A schema as the migrations leave it, for one test."""
        return self.free.pop() if self.free else self._new()

    def _empty(self, schema: str) -> None:
        statements = [
            "SET LOCAL lock_timeout = '5s'",
            "SET LOCAL session_replication_role = replica",  # no foreign-key checks on the way
            *(f'DELETE FROM {schema}."{table}"' for table in self.tables),
            *(line.replace(SCHEMA_TOKEN, schema) for line in self.refill),
        ]
        self._execute(";\n".join(statements))

    def give_back(self, schema: str) -> None:
        """After the test (its engine disposed): emptied for the next one, or dropped."""
        try:
            if self.shape(schema) == self.shapes[schema]:
                self._empty(schema)
                self.free.append(schema)
                return
        except Exception:  # noqa: BLE001  (a lock held, a role without the right): drop it
            pass
        self.drop(schema)

    def drop(self, schema: str) -> None:
        self.shapes.pop(schema, None)
        self._execute(f"DROP SCHEMA {schema} CASCADE")

    def close(self) -> None:
        """Drop every schema kept (at the end of the test process)."""
        while self.free:
            self.drop(self.free.pop())
        self.admin.dispose()


def engine_on(url: str, schema: str) -> Engine:
    """An engine whose connections work in ``schema``."""
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
