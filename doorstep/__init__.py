"""The `doorstep` command: composes the server and the phone app (the only place that sees both)."""
