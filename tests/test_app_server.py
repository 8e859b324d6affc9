"""The teaching view's server (``python -m sim.app``): its settings, and a bounded soak.

The soak connects 100 browser sessions to the served page on localhost, one after
another, the way the page's own script does (a websocket to a kernel, Solara's control
channel; three sessions render the whole page, the others ask for the app's status), and disconnects each, half with the
tab-close beacon and half abruptly. Every session must be freed within the session
timeout and the server's memory must stay flat.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.helpers import stop_server, wait_until_serving

pytest.importorskip("solara")
websockets = pytest.importorskip("websockets")
psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]
CYCLES = 100
RENDERED = {0, 1, 60}  # cycles that render the whole page (a second or two each)
TIMEOUT_S = 2


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """``python -m sim.app`` with a short session timeout; (base url, process, log)."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim.app",
                "--port",
                str(port),
                "--session-timeout",
                f"{TIMEOUT_S}s",
                "--log-level",
                "info",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"127.0.0.1:{port}"
    try:
        wait_until_serving(process, f"http://{base}/", log, 90)
        yield base, process, log
    finally:
        stop_server(process)


def status_of(url: str, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def test_statistics_route_is_off_assets_are_local_and_bad_calls_are_4xx(server):
    import solara.server.settings

    base, _, _ = server
    assert status_of(f"http://{base}/readyz") == 200
    assert status_of(f"http://{base}/resourcez") == 404
    assets = Path(solara.server.settings.assets.proxy_cache_dir)
    shipped = next(p for p in sorted(assets.rglob("*.js")) if p.is_file())
    assert status_of(f"http://{base}/_solara/cdn/{shipped.relative_to(assets)}") == 200
    missing = "no-such-package@1.0.0/dist/x.js"  # Solara would fetch it from the CDN
    assert status_of(f"http://{base}/_solara/cdn/{missing}") == 404
    assert not (assets / missing).exists()
    assert status_of(f"http://{base}/_solara/api/close/x", "POST") == 400  # no session_id
    assert status_of(f"http://{base}/_solara/api/close/x?session_id=y", "POST") == 200


def message(kind: str, content: dict, session: str) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": kind, "session": session}
    header |= {"username": "", "date": "", "version": "5.3"}
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


async def visit(base: str, cookie: str, render: bool, beacon: bool) -> str:
    """One browser session: connect, open Solara's control channel, maybe render, leave."""
    kernel, session = str(uuid.uuid4()), uuid.uuid4().hex
    url = f"ws://{base}/jupyter/api/kernels/{kernel}/channels?session_id={session}"
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, max_size=None) as ws:
        comm = uuid.uuid4().hex
        open_comm = {"comm_id": comm, "target_name": "solara.control", "data": {}}
        await ws.send(message("comm_open", open_comm, session))
        method = {"method": "run", "args": {"path": "", "appName": None}}
        if not render:
            method = {"method": "app-status"}
        await ws.send(message("comm_msg", {"comm_id": comm, "data": method}, session))
        wanted = '"finished"' if render else '"app-status"'
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(ws.recv(), timeout=60)
            if isinstance(raw, str) and wanted in raw and '"comm_msg"' in raw:
                break
        else:
            raise AssertionError("the page did not answer")
    if beacon:  # what a closing tab sends
        close = f"http://{base}/_solara/api/close/{kernel}?session_id={session}"
        request = urllib.request.Request(close, method="POST", headers={"Cookie": cookie})
        urllib.request.urlopen(request, timeout=10).read()
    return kernel


def test_memory_stays_flat_over_100_sessions_and_each_is_freed(server):
    base, process, log = server
    jar = urllib.request.HTTPCookieProcessor()
    urllib.request.build_opener(jar).open(f"http://{base}/", timeout=10).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar.cookiejar)
    memory = psutil.Process(process.pid)

    async def soak() -> tuple[list[str], float, float]:
        kernels, warm = [], 0.0
        for cycle in range(CYCLES):
            kernels.append(await visit(base, cookie, cycle in RENDERED, beacon=cycle % 2 == 0))
            if cycle == 9:
                await asyncio.sleep(TIMEOUT_S + 1)  # the warm-up sessions are freed
                warm = memory.memory_info().rss
        await asyncio.sleep(TIMEOUT_S + 1)
        return kernels, warm, memory.memory_info().rss

    kernels, warm, final = asyncio.run(soak())
    grown_mib = (final - warm) / 2**20
    print(
        f"RSS after warm-up {warm / 2**20:.0f} MiB, after {CYCLES} sessions {final / 2**20:.0f} MiB"
    )
    assert grown_mib < 40, f"RSS grew by {grown_mib:.0f} MiB over {CYCLES - 10} sessions"
    deadline = time.monotonic() + 15
    while True:
        freed = set(re.findall(r"Shut down virtual kernel: (\S+)", log.read_text()))
        if set(kernels) <= freed or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(kernels) <= freed, f"{len(set(kernels) - freed)} sessions were not freed"
