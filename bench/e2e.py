"""End-to-end and burst scenarios: submit at a rate, watch the queue, time the deputy's notice."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import requests

from bench import load
from bench.world import World


async def _sample_depth(world: World, samples: list, stop: asyncio.Event, start: float) -> None:
    while not stop.is_set():
        samples.append((round(time.perf_counter() - start, 2), world.stack.queue_depth()))
        await asyncio.sleep(0.5)


async def submit_and_watch(world: World, rate: float, seconds: float, drain_timeout: float = 600):
    """Submit at `rate` for `seconds`; sample queue depth until routed and notified."""
    samples: list = []
    stop = asyncio.Event()
    start = time.perf_counter()
    wall_start = time.time()
    sampler = asyncio.create_task(_sample_depth(world, samples, stop, start))
    submitted: dict[str, float] = {}
    task = world.submission(photo_share=0.0, record=submitted)
    result = await load.fixed_rate(f"e2e@{rate}", task, rate, seconds)
    await wait_idle(world, drain_timeout)
    drained = time.perf_counter() - start
    stop.set()
    await sampler
    return result, samples, drained, submitted, wall_start


def idle(world: World) -> bool:
    """Every message routed, every notice settled, nothing queued."""
    psql = world.stack.psql
    waiting = psql("SELECT count(*) FROM messages WHERE status = 'received'")[0][0]
    pending = psql(
        "SELECT count(*) FROM notifications WHERE status IN ('pending','retry','sending')"
    )[0][0]
    return waiting == 0 and pending == 0 and world.stack.queue_depth() == 0


async def wait_idle(world: World, timeout: float = 600) -> None:
    """Let the workers finish what earlier steps left, so no step measures another's backlog."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and not idle(world):
        if all(p.poll() is not None for p in world.stack.worker_processes):
            raise RuntimeError("every RQ worker has exited: see the worker logs in the stack dir")
        await asyncio.sleep(0.5)


def notice_latencies(world: World, submitted: dict[str, float]) -> list[float]:
    """Seconds from the submission's start to the deputy's notice as the sandbox logged it."""
    sent = []
    for openid in world.deputy_openids:
        answer = requests.get(f"{world.stack.sandbox_url}/sandbox/sent", params={"openid": openid})
        sent.extend(answer.json()["sent"])
    latencies = []
    for item in sent:
        tracking = item["data"].get("character_string1", {}).get("value")
        if tracking in submitted:
            sent_at = datetime.fromisoformat(item["sent_at"]).timestamp()
            latencies.append(sent_at - submitted[tracking])
    return latencies


def exactly_once(world: World) -> dict:
    psql = world.stack.psql
    return {
        "messages": psql("SELECT count(*) FROM messages")[0][0],
        "routed": psql("SELECT count(*) FROM messages WHERE status = 'routed'")[0][0],
        "assignments": psql("SELECT count(*) FROM assignments")[0][0],
        "messages_with_two_assignments": psql(
            "SELECT count(*) FROM (SELECT message_id FROM assignments GROUP BY message_id "
            "HAVING count(*) > 1) AS twice"
        )[0][0],
        "notices": psql("SELECT count(*) FROM notifications")[0][0],
        "notices_sent": psql("SELECT count(*) FROM notifications WHERE status = 'sent'")[0][0],
    }


def run(coro):
    return asyncio.run(coro)
