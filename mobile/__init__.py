"""The coordinator's phone app: local encrypted store (``store``), sync engine (``sync``), services and views."""
