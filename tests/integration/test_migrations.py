"""The schema comes only from migrations: they must say exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        migration_context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(migration_context, db.metadata)
    assert differences == [], f"models differ from migrations: run `flask db migrate`: {differences}"
