"""The schema comes only from migrations: they must say exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.catalog.models import INDEXES_ONLY_IN_MIGRATIONS
from app.extensions import db


def _comparable(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in INDEXES_ONLY_IN_MIGRATIONS)


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        migration_context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True,
                  "include_object": _comparable}
        )
        differences = compare_metadata(migration_context, db.metadata)
    assert differences == [], f"models differ from migrations: run `flask db migrate`: {differences}"
