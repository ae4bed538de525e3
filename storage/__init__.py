"""Persistence: SQLModel tables, the engine, repositories and Alembic migrations.

Every line of SQL in Extra Mile lives in this package; the core talks to repositories.
"""
