"""SQLite: ids of deleted scans, cases, advice and indicators are never handed out again.

Without AUTOINCREMENT, SQLite gives a new row the highest id + 1, so deleting the newest scan and
submitting another reused its number: an audit entry "deleted scan #N" then named a different
scan. PostgreSQL's sequences never reuse ids; there this migration does nothing.

The tables are copied by Alembic's batch mode; :func:`scamscope.web.db.migrate` runs SQLite
migrations with foreign keys off (dropping the old table would otherwise cascade-delete the rows
that refer to it) and checks every reference afterwards.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("scans", "cases", "case_advice", "indicators", "sightings")


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
