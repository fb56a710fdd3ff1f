"""What one message costs a worker: the routing job (route + the first notice attempt) run by
RQ's SimpleWorker in this process, against the stack's PostgreSQL, Redis and sandbox.

Measured three ways over the same kind of messages: RQ's worker draining N queued jobs (what
production does), the job function called directly (no RQ), and RQ running a no-op job (RQ's
own bookkeeping per job). SQL statements and Redis commands are counted, and a profile of the
routing job is written when pyinstrument is installed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench import load
from bench.world import World


def _count_statements(engine) -> list:
    from sqlalchemy import event

    counter = [0]

    def before(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    return counter


def _redis_calls(connection) -> int:
    stats = connection.info("commandstats")
    return sum(value["calls"] for value in stats.values())


def _submit(world: World, count: int) -> None:
    task = world.submission(photo_share=0.0)
    asyncio.run(
        load.fixed_rate(
            f"queue {count}", task, rate=min(count, 200), seconds=count / min(count, 200)
        )
    )


def _received(world: World) -> list[int]:
    return [
        row[0]
        for row in world.stack.psql("SELECT id FROM messages WHERE status = 'received' ORDER BY id")
    ]


def noop() -> None:
    """RQ's own cost per job: a job that does nothing."""


def measure(world: World, count: int = 300, profile_dir: Path | None = None) -> dict:
    from rq import SimpleWorker

    from server.platform.db import db
    from server.platform.queue import get_queue
    from server.tasks import route_message

    stack = world.stack
    app = stack.app()
    out: dict = {"messages": count}
    with app.app_context():
        statements = _count_statements(db.engine)
        queue = get_queue()
        connection = queue.connection

        # 1. RQ draining the routing jobs the submissions enqueued.
        _submit(world, count)
        jobs = queue.count
        statements[0] = 0
        redis_before = _redis_calls(connection)
        cpu, wall = time.process_time(), time.perf_counter()
        SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        out["rq_worker"] = {
            "jobs": jobs,
            "wall_ms_per_job": round(wall * 1000 / max(jobs, 1), 2),
            "cpu_ms_per_job": round(cpu * 1000 / max(jobs, 1), 2),
            "sql_per_job": round(statements[0] / max(jobs, 1), 1),
            "redis_commands_per_job": round(
                (_redis_calls(connection) - redis_before) / max(jobs, 1), 1
            ),
        }

        # 2. The job function called directly: the job's own cost, without RQ.
        connection.delete(queue.key)  # the submissions below enqueue; we call directly instead
        _submit(world, count)
        connection.delete(queue.key)
        ids = _received(world)
        statements[0] = 0
        redis_before = _redis_calls(connection)
        times = []
        cpu = time.process_time()
        profiler = None
        try:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        except ImportError:
            pass
        for index, message_id in enumerate(ids):
            if profiler is not None and index == len(ids) // 2:
                profiler.start()
            started = time.perf_counter()
            route_message(message_id)
            times.append(time.perf_counter() - started)
        if profiler is not None and profiler.is_running:
            profiler.stop()
        cpu = time.process_time() - cpu
        out["direct"] = {
            "jobs": len(ids),
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 2),
            "cpu_ms_per_job": round(cpu * 1000 / max(len(ids), 1), 2),
            "sql_per_job": round(statements[0] / max(len(ids), 1), 1),
            "redis_commands_per_job": round(
                (_redis_calls(connection) - redis_before) / max(len(ids), 1), 1
            ),
        }
        if profiler is not None and profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)
            (profile_dir / "profile-routing-job.txt").write_text(
                profiler.output_text(unicode=True, color=False, show_all=False)
            )

        # 3. RQ's bookkeeping alone: the same worker over no-op jobs.
        for _ in range(count):
            queue.enqueue(f"{__name__}.noop", result_ttl=0)
        redis_before = _redis_calls(connection)
        cpu, wall = time.process_time(), time.perf_counter()
        SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        out["rq_noop"] = {
            "jobs": count,
            "wall_ms_per_job": round(wall * 1000 / count, 2),
            "cpu_ms_per_job": round(cpu * 1000 / count, 2),
            "redis_commands_per_job": round((_redis_calls(connection) - redis_before) / count, 1),
        }
        db.session.remove()
    return out


def profile_submission(world: World, profile_dir: Path, count: int = 300) -> dict:
    """Citizens' submissions in this process through Flask's test client (the same app,
    token, limits, content check against the sandbox, database and enqueue as gunicorn's),
    timed for CPU and profiled when pyinstrument is installed."""
    import uuid

    from bench.world import CATEGORIES, SENTENCES

    app = world.stack.app()
    client = app.test_client()

    def submit(index: int) -> int:
        headers = {"Authorization": f"Bearer {world.tokens[index % len(world.tokens)]}"}
        body = {
            "scene": world.scene,
            "category": CATEGORIES[index % len(CATEGORIES)],
            "content": SENTENCES[index % len(SENTENCES)] + f"（剖析{index}）",
            "photos": [],
        }
        answer = client.post(
            "/api/v1/messages", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        return answer.status_code

    for index in range(20):  # warm: connections, caches, compiled statements
        submit(index)
    profiler = None
    try:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    except ImportError:
        pass
    statuses = []
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.start()
    for index in range(count):
        statuses.append(submit(index))
    if profiler is not None:
        profiler.stop()
        profile_dir.mkdir(parents=True, exist_ok=True)
        (profile_dir / "profile-submission.txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False)
        )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    with app.app_context():  # route what was submitted, so later scenarios start idle
        from rq import SimpleWorker

        from server.platform.queue import get_queue

        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    return {
        "submissions": count,
        "created": statuses.count(201),
        "cpu_ms_per_submission": round(cpu * 1000 / count, 2),
        "wall_ms_per_submission": round(wall * 1000 / count, 2),
    }
