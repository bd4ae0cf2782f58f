"""Alembic migrations of the server database (``env.py`` and ``versions/``); run them with ``doorstep db``."""
