"""Entry point of the `doorstep` command; each part registers its own sub-commands.

The server's commands need the `server` extra, the app's the main dependencies;
a missing part is reported when one of its commands is asked for.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# modules that expose register(subparsers): each adds its sub-commands
PARTS = ("server.cli", "mobile.cli", "doorstep.demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doorstep", description="Doorstep 入户通")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ImportError as error:  # e.g. the server extra on a phone build
            print(f"({name} unavailable: {error})", file=sys.stderr)
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
