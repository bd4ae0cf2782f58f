"""Doorstep's server: FastAPI app factory, settings, database, routers and services."""
