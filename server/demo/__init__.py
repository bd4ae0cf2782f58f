"""Deterministic, realistic demo data (one district, 2,500 households) for the app, tests and benchmarks."""
from server.demo.build import DEMO_TODAY, DemoData, DemoUser, build_demo
from server.demo.load import DatabaseNotEmpty, clear_data, has_data, load_demo, log_entries

__all__ = [
    "DEMO_TODAY", "DatabaseNotEmpty", "DemoData", "DemoUser", "build_demo", "clear_data", "has_data", "load_demo",
    "log_entries",
]
