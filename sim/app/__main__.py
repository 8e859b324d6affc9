"""``python -m sim.app``: serve the teaching view on localhost (see :mod:`sim.app`).

The server is solara-server in production mode, configured for a classroom machine:

* a browser tab that disconnects frees its session after ``--session-timeout``
  (default 2 minutes; Solara's own default keeps it for 24 hours);
* the statistics route (``/resourcez``) is not mounted, and Solara's CDN proxy is
  replaced by plain static files: the page's assets come from the installed
  ``solara-assets`` copy, and a missing one is a 404, never fetched from the network or
  written into the environment;
* a malformed call to the server's HTTP API gets ``400 Bad Request``, never a 500;
* no telemetry.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

#: Routes the server does not mount (statistics about sessions and kernels).
HIDDEN_ROUTES = ("/resourcez",)
#: HTTP API paths whose malformed calls are answered 400 instead of 500.
API_PREFIXES = ("/_solara/api/", "/jupyter/api/")
_DURATION = re.compile(r"^\d+(\.\d+)?(s|m|h)$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1), ``--port`` (default 8765), ``--session-timeout``, ``--log-level``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.app", description="Serve the interactive teaching view."
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 to share it)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--session-timeout",
        default="2m",
        help="how long a disconnected browser tab keeps its session, e.g. 30s, 2m, 1h (default 2m)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default warning)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port}: expected 1..65535")
    if not _DURATION.match(args.session_timeout):
        parser.error(f"--session-timeout {args.session_timeout}: expected e.g. 30s, 2m or 1h")
    return args


def configure_server(session_timeout: str = "2m", page: str = "sim.app.page") -> Any:
    """Set up solara-server as the module docstring says; returns the Starlette app.

    Must run before anything imports Solara's server: the page to serve and the CDN
    proxy route are read when that module is imported.
    """
    os.environ["SOLARA_APP"] = page
    os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] = session_timeout
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import solara.server.settings as server_settings

    server_settings.kernel.cull_timeout = session_timeout
    server_settings.telemetry.mixpanel_enable = False
    from solara.server import starlette as solara_starlette
    from starlette.routing import Mount

    app = solara_starlette.app
    cdn = f"/{solara_starlette.cdn_url_path}".rstrip("/")
    routes = []
    for route in app.router.routes:
        path = getattr(route, "path", None)
        if path in HIDDEN_ROUTES:
            continue
        if path == cdn:  # the same URLs, served from the installed copy only
            route = Mount(cdn, app=offline_assets(server_settings.assets.proxy_cache_dir))
        routes.append(route)
    app.router.routes[:] = routes
    if not getattr(app, "_sim_bad_requests", False):
        app.add_middleware(BadRequestMiddleware)
        app._sim_bad_requests = True
    return app


def offline_assets(directory: Any) -> Any:
    """Static files from Solara's asset folder (filled by ``solara-assets``), never fetched.

    Solara's own handler downloads a missing asset from the CDN and writes it into the
    environment; this one answers 404.  A bare package name maps to its ``__main.js``,
    as in Solara's layout.
    """
    from starlette.staticfiles import StaticFiles

    class OfflineAssets(StaticFiles):
        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            if path and "/" not in path.strip("/"):
                path = f"{path.strip('/')}/__main.js"
            return super().lookup_path(path)

    return OfflineAssets(directory=str(directory), check_dir=False)


class BadRequestMiddleware:
    """Answer 400 when an HTTP API handler fails on a malformed call (missing or bad
    parameters), instead of letting the server answer 500."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not str(scope.get("path", "")).startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:
                raise
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse("bad request", status_code=400)
            await response(scope, receive, send)


def main(argv: list[str] | None = None) -> None:
    """Serve :func:`sim.app.page.Page` with solara-server (production mode, no telemetry)."""
    args = parse_args(argv)
    configure_server(args.session_timeout)
    from solara.__main__ import run

    print(f"Teaching view at http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    run.main(
        args=[
            "sim.app.page",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level",
            args.log_level,
        ],
        prog_name="solara",
        standalone_mode=True,
    )


if __name__ == "__main__":
    main()
