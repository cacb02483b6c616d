"""Alembic migrations of the helpline database (``env.py`` and ``versions/``)."""
