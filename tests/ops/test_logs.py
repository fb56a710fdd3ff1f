"""Issue 19, item 3: structured logs with a request id — honoured or made, answered in the
response, carried into the jobs the request enqueues and on the worker's lines for them."""

from __future__ import annotations

import json
import logging

from rq import SimpleWorker

from server.platform.logs import HEADER, JobContext, JsonFormatter, request_id
from server.platform.queue import get_queue
from tests.support.helpers import post_message


def test_a_given_request_id_is_answered_and_a_bad_one_replaced(live):
    answer = live.http.get(f"{live.url}/healthz", headers={HEADER: "nginx-4f2a9c"})
    assert answer.headers[HEADER] == "nginx-4f2a9c"
    made = live.http.get(f"{live.url}/healthz").headers[HEADER]
    assert len(made) == 32
    for bad in ("a" * 65, "两个字", "x y", "a\tb"):
        answer = live.http.get(f"{live.url}/healthz", headers={HEADER: bad.encode()})
        assert answer.headers[HEADER] != bad and len(answer.headers[HEADER]) == 32
    # On the dashboard, the API's errors and the public pages too.
    for path in ("/admin/login", "/api/v1/nothing", "/q/s.nowhere"):
        assert live.http.get(f"{live.url}{path}").headers.get(HEADER), path


def test_the_request_id_travels_into_the_routing_job_and_its_log(live, world, caplog):
    _, token = live.citizen()
    live.http.headers[HEADER] = "trace-submit-1"
    try:
        answer = post_message(live, token, world["scene"])
    finally:
        live.http.headers.pop(HEADER)
    assert answer.status_code == 201 and answer.headers[HEADER] == "trace-submit-1"
    with live.app.app_context():
        queue = get_queue()
        (job,) = queue.get_jobs()
        assert job.meta["request_id"] == "trace-submit-1"

        class Worker(SimpleWorker):  # as `flask worker` runs them
            def perform_job(self, job, queue, *args, **kwargs):
                with JobContext(job):
                    logging.getLogger("server.tasks").info("inside the job")
                    return super().perform_job(job, queue, *args, **kwargs)

        with caplog.at_level(logging.INFO):
            Worker([queue], connection=queue.connection).work(burst=True)
    records = [r for r in caplog.records if r.getMessage() == "inside the job"]
    assert records
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "trace-submit-1" and line["job_id"] == job.id
    assert line["level"] == "INFO" and line["message"] == "inside the job"
    assert request_id.get() is None  # nothing left behind for the next job


def test_json_lines_carry_the_exception():
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "失败", None, None)
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "失败" and "ValueError: 坏了" in line["exception"]


def test_a_failing_job_is_still_recorded_with_our_log_records(live):
    """RQ logs with extra={"job_id": ...}: our record attributes must not collide with it."""
    with live.app.app_context():
        queue = get_queue()
        queue.enqueue("builtins.int", "not a number", job_id="broken-job-logs")
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        from rq.registry import FailedJobRegistry

        assert "broken-job-logs" in FailedJobRegistry(queue=queue).get_job_ids()
