"""Alembic environment: the engine comes from Tillit (config.attributes['engine'])."""

from alembic import context

from tillit.db.base import Base, load_all_tables

load_all_tables()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
