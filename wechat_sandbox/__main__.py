"""`python -m wechat_sandbox --host 127.0.0.1 --port 8001`: the sandbox on its own."""

from __future__ import annotations

import argparse
import logging
import os

from werkzeug.serving import WSGIRequestHandler, run_simple

from wechat_sandbox.app import create_sandbox_app

log = logging.getLogger("wechat_sandbox")


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 framing. Werkzeug still closes each connection after its response, so every
    call is a new TCP connection here; the benchmark serves the sandbox with gunicorn instead,
    which keeps connections open as WeChat does."""

    protocol_version = "HTTP/1.1"


class QuietHandler(KeepAliveHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="WeChat sandbox: a local stand-in for WeChat")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT") or 8001))
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_sandbox_app()
    log.info("WeChat 沙箱 listening on http://%s:%s", args.host, args.port)
    handler = QuietHandler if args.quiet else KeepAliveHandler
    run_simple(args.host, args.port, app, threaded=True, request_handler=handler)


if __name__ == "__main__":
    main()
