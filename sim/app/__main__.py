"""``python -m sim.app``: serve the teaching view on localhost (see :mod:`sim.app`)."""

from __future__ import annotations

import argparse
import os


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1), ``--port`` (default 8765), ``--log-level``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.app", description="Serve the interactive teaching view."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port}: expected 1..65535")
    return args


def main(argv: list[str] | None = None) -> None:
    """Serve :func:`sim.app.page.Page` with solara-server (production mode, no telemetry)."""
    args = parse_args(argv)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import solara.server.settings as solara_settings
    from solara.__main__ import run

    solara_settings.telemetry.mixpanel_enable = False
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
