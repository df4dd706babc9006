"""Storage: SQLAlchemy models, engine set-up and Alembic migrations. SQLite by default,
PostgreSQL for scale-out."""
