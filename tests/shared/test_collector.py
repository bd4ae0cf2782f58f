"""The collector set for batch work: what a served process and the phone app run once they are built."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a fresh interpreter (freezing this test process's heap would keep its garbage)."""
    env = os.environ | {"DOORSTEP_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT),
                        "DOORSTEP_DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_tune_collector_freezes_the_heap_and_raises_the_young_threshold(tmp_path):
    found = _run(
        "import gc, json\n"
        "from shared.collector import tune_collector, YOUNG_THRESHOLD\n"
        "before = tune_collector()\n"
        "print(json.dumps({'before': before, 'after': gc.get_threshold(), 'frozen': gc.get_freeze_count(),\n"
        "                  'young': YOUNG_THRESHOLD}))\n", tmp_path)
    assert tuple(found["before"]) == (700, 10, 10)  # CPython's defaults
    assert found["after"][0] == found["young"] > 700
    assert found["frozen"] > 1_000  # the interpreter and the imported modules


def test_the_served_app_tunes_the_collector_and_doorstep_serve_runs_it(tmp_path):
    found = _run(
        "import gc, json\n"
        "import uvicorn\n"
        "from server.commands import serve\n"
        "from server.app import served_app\n"
        "seen = {}\n"
        "uvicorn.run = lambda target, **kw: seen.update(target=target, factory=kw.get('factory'))\n"
        "import argparse\n"
        "serve._serve(argparse.Namespace(host=None, port=None, workers=None, url=None, no_upgrade=False))\n"
        "assert gc.get_freeze_count() == 0 and gc.get_threshold()[0] == 700\n"
        "app = served_app()\n"
        "print(json.dumps({**seen, 'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count(),\n"
        "                  'routes': len(app.routes)}))\n", tmp_path)
    assert found["target"] == "server.app:served_app" and found["factory"] is True
    assert found["threshold"][0] > 700 and found["frozen"] > 20_000  # FastAPI, SQLAlchemy, the models
    assert found["routes"] > 10
