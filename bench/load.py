"""An asyncio load generator: fixed-rate open loop (latency counted from the moment a request
was due, so a slow server cannot hide its queueing) and a closed-loop maximum."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

Task = Callable[[aiohttp.ClientSession, int], Awaitable[int]]  # returns the HTTP status


@dataclass
class Result:
    name: str
    target_rate: float | None
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    exceptions: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) - self.ok + sum(self.exceptions.values())

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {
            "name": self.name,
            "target_rate": self.target_rate,
            "duration_s": round(self.duration, 2),
            "requests": sum(self.statuses.values()) + sum(self.exceptions.values()),
            "ok": self.ok,
            "errors": self.errors,
            "throughput_rps": round(self.ok / self.duration, 1) if self.duration else 0,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1)
            if self.latencies
            else None,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "exceptions": dict(self.exceptions),
        }


def _session(limit: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))


async def _one(task: Task, session, index: int, due: float, result: Result) -> None:
    try:
        status = await task(session, index)
        result.statuses[status] += 1
    except Exception as exc:  # noqa: BLE001 - a benchmark counts failures, it doesn't stop
        result.exceptions[type(exc).__name__] += 1
        return
    result.latencies.append(time.perf_counter() - due)


async def fixed_rate(
    name: str, task: Task, rate: float, seconds: float, connections: int = 64
) -> Result:
    result = Result(name, rate)
    total = int(rate * seconds)
    async with _session(connections) as session:
        start = time.perf_counter()
        pending = []
        for index in range(total):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(_one(task, session, index, due, result)))
        await asyncio.gather(*pending)
        result.duration = time.perf_counter() - start
    return result


async def closed_loop(name: str, task: Task, concurrency: int, seconds: float) -> Result:
    result = Result(name, None)
    counter = iter(range(10**9))
    async with _session(concurrency) as session:
        start = time.perf_counter()
        stop = start + seconds

        async def loop() -> None:
            while time.perf_counter() < stop:
                await _one(task, session, next(counter), time.perf_counter(), result)

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        result.duration = time.perf_counter() - start
    return result
