"""Logs a machine room's collector can read, and a request id that follows the work.

LOG_FORMAT=json writes one JSON object a line (time, level, logger, message, request_id,
job_id, and the exception when there is one); `text` (the default) the usual readable line,
with the request id in it. Every request gets an id: the caller's `X-Request-Id` when it is a
sane token (nginx's `$request_id`, a load balancer's), else a new one; it is answered in the
`X-Request-Id` header, put in the meta of every job the request enqueues
(server/platform/queue.py), and set again by the worker while it runs that job, so one grep
finds a submission's web line and its routing and notice jobs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, request

HEADER = "X-Request-Id"
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(lz_request_id)s]: %(message)s"


_base_factory = logging.getLogRecordFactory()


def _record_with_ids(*args, **kwargs) -> logging.LogRecord:
    """Every record carries the request and job ids current when it was made (or None), for
    every handler (a collector's, a test's) — not only ours."""
    record = _base_factory(*args, **kwargs)
    # Our own attribute names: RQ logs with extra={"job_id": ...}, which may not be overwritten.
    record.lz_request_id = request_id.get()
    record.lz_job_id = job_id.get()
    return record


class ContextFilter(logging.Filter):
    """For the text format: "-" where there is no id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.lz_request_id = getattr(record, "lz_request_id", None) or "-"
        return True


def _id(value: str | None) -> str | None:
    return None if value in (None, "-") else value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _id(getattr(record, "lz_request_id", None)),
            "job_id": _id(getattr(record, "lz_job_id", None)),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    """Once per process: the root logger's handler, its format and the id filter."""
    logging.setLogRecordFactory(_record_with_ids)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_lianluozhan", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._lianluozhan = True  # type: ignore[attr-defined]
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(level)


def new_request_id(given: str | None) -> str:
    return given if given and _VALID.fullmatch(given) else uuid.uuid4().hex


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _take_request_id() -> None:
        request_id.set(new_request_id(request.headers.get(HEADER)))

    @app.after_request
    def _answer_request_id(response: Response) -> Response:
        current = request_id.get()
        if current:
            response.headers[HEADER] = current
        return response

    @app.teardown_request
    def _forget_request_id(_exc) -> None:
        request_id.set(None)


class JobContext:
    """While a worker runs a job: its id and the request id that enqueued it, on every line."""

    def __init__(self, job) -> None:
        self.job = job
        self._tokens: tuple = ()

    def __enter__(self) -> JobContext:
        meta = getattr(self.job, "meta", None) or {}
        self._tokens = (request_id.set(meta.get("request_id")), job_id.set(self.job.id))
        logging.getLogger("server.worker").info(
            "job %s started (%s)", self.job.id, self.job.func_name
        )
        return self

    def __exit__(self, *exc_info) -> None:
        request_id.reset(self._tokens[0])
        job_id.reset(self._tokens[1])
