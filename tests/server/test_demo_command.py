"""`doorstep demo` as a user runs it: a taken port is named or replaced, the logins say what each covers, the app's address comes before Ctrl+C."""
from __future__ import annotations

import socket
import time

from doorstep import demo as demo_command
from tests.browser.processes import doorstep, free_port, stop


def test_a_port_asked_for_and_taken_is_named_without_a_traceback(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        log = tmp_path / "demo.log"
        process = doorstep("demo", "--data-dir", str(tmp_path / "data"), "--server-port", str(port),
                           "--no-browser", log=log)
        try:
            assert process.wait(timeout=60) == 2
        finally:
            stop(process)
    said = log.read_text()
    assert f"port {port} (the server) is already in use" in said and "Traceback" not in said


def test_a_taken_default_port_is_replaced_by_a_free_one():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        chosen = demo_command.choose_port("127.0.0.1", None, taken, "the app")
    assert chosen != taken and demo_command.port_free("127.0.0.1", chosen)
    assert demo_command.choose_port("127.0.0.1", None, chosen, "the app", avoid=(chosen,)) != chosen


def test_the_demo_says_who_can_do_what_and_prints_the_app_address_before_ctrl_c(tmp_path):
    app_port, server_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    process = doorstep("demo", "--data-dir", str(tmp_path / "data"), "--households", "200", "--server-port",
                       str(server_port), "--app-port", str(app_port), "--no-browser", log=log)
    try:
        deadline = time.monotonic() + 240
        while "Ctrl+C" not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        said = log.read_text()
    finally:
        stop(process)
    assert "Ctrl+C" in said, said[-2000:]
    assert said.index(f"http://127.0.0.1:{app_port}/") < said.index("Ctrl+C")
    assert "zhangwei" in said and "协管员（coordinator）: " in said and "第一网格" in said  # the grids by name
    assert "monthly report" in said and "One app process is one phone" in said
    assert f"doorstep app --web --port {app_port + 1}" in said
