"""./scripts/bench: every scenario of docs/benchmarks.md, in one run, on this machine.

Usage: scripts/bench [--quick]   (--quick: short runs and a small data set, to try the harness)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import signal
import sys
import time
from pathlib import Path

from bench import dashboard, e2e, jobcost, load, report
from bench.stack import Stack
from bench.world import World

SCENARIOS = [
    "max",
    "jobs",
    "series",
    "e2e",
    "steady",
    "burst",
    "burst_queued",
    "soak",
    "archive",
    "scale",
]
RATES = [50, 100, 200, 400]
# The end-to-end goal: 100 submissions/s, or 10 % of the floor's rate in the same run if higher.
E2E_GOAL_RATE = 100
E2E_GOAL_SHARE_OF_FLOOR = 0.10
# Submissions over the whole run after which memory is read the last time (issue: 100,000).
SOAK_TOTAL = 100_000
# Rates at which two workers on this machine keep the queue short (the loop's steady state).
STEADY_RATES = [10, 20, 30]


def machine() -> dict:
    import os

    import psycopg
    import redis
    import rq
    import sqlalchemy

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "postgresql": psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        .execute("SHOW server_version")
        .fetchone()[0],
        "versions": {
            "sqlalchemy": sqlalchemy.__version__,
            "rq": rq.__version__,
            "redis-py": redis.__version__,
            "psycopg": psycopg.__version__,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--only",
        choices=SCENARIOS,
        action="append",
        help="run only these scenarios (repeatable); the report covers what ran",
    )
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    wanted = set(args.only or SCENARIOS)
    if args.skip_scale:
        wanted.discard("scale")
    # Ctrl-C or a kill still stops every process and drops the database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    seconds = 5 if args.quick else 15
    results: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    stack = Stack(web_workers=4, web_threads=4).start(workers=0)
    results["settings"] = {
        "gunicorn": "4 processes x 4 threads (gthread)",
        "load_generator": "asyncio + aiohttp, same machine, keep-alive, <=64 connections",
        "photo_share": 0.2,
        "seconds_per_step": seconds,
    }
    try:
        world = World.build(stack, citizens=100 if args.quick else 500)
    except BaseException:
        stack.stop()
        raise
    try:
        run(results, stack, world, wanted, seconds, args.quick, Path(args.out))
    finally:
        stack.stop()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    report.write(results, out)
    print(f"wrote {out / 'benchmarks.md'}")


def memory(results: dict, stack: Stack, after: str) -> None:
    """Resident memory of the web and worker processes after a scenario, with how many
    submissions the run has stored so far."""
    stored = stack.psql("SELECT count(*) FROM messages")[0][0]
    results.setdefault("memory", []).append({"after": after, "messages": stored, **stack.rss_mb()})


def run(
    results: dict, stack: Stack, world: World, wanted: set, seconds: int, quick: bool, out: Path
) -> None:
    memory(results, stack, "start")
    if "max" in wanted:
        print("== floor and intake (workers paused: the endpoint alone)")
        floor_max = asyncio.run(load.closed_loop("floor max", world.floor(), 32, seconds))
        intake_max = asyncio.run(load.closed_loop("submit max", world.submission(0.0), 32, seconds))
        upload_max = asyncio.run(load.closed_loop("upload max", world.upload(), 32, seconds))
        # The same submissions with the content check answered in process (the local word
        # list, CONTENT_CHECK=local): what intake costs when msg_sec_check is WeChat's CPU.
        stack.start_web(CONTENT_CHECK="local")
        intake_local = asyncio.run(
            load.closed_loop("submit max, local check", world.submission(0.0), 32, seconds)
        )
        stack.start_web()
        results["max"] = {
            "floor": floor_max.summary(),
            "intake": intake_max.summary(),
            "intake_local_check": intake_local.summary(),
            "upload": upload_max.summary(),
        }
        print(json.dumps(results["max"], ensure_ascii=False))
        stack.set_workers(2)  # route what the maximum runs stored: the next scenario starts idle
        asyncio.run(e2e.wait_idle(world))
        memory(results, stack, "max")

    if "jobs" in wanted:
        print("== what one message costs a worker")
        stack.set_workers(0)
        results["jobs"] = jobcost.measure(world, 100 if quick else 300, out)
        results["jobs"]["submission"] = jobcost.profile_submission(
            world, out, 100 if quick else 300
        )
        print(json.dumps(results["jobs"], ensure_ascii=False))

    if "series" in wanted:
        print("== rate series (2 workers running, as in production)")
        stack.set_workers(2)
        series = []
        for rate in RATES:
            asyncio.run(e2e.wait_idle(world))  # the previous step's queue is not this step's load
            floor = asyncio.run(load.fixed_rate(f"floor@{rate}", world.floor(), rate, seconds))
            intake = asyncio.run(
                load.fixed_rate(f"intake@{rate}", world.submission(0.2), rate, seconds)
            )
            series.append({"rate": rate, "floor": floor.summary(), "intake": intake.summary()})
            print(rate, intake.summary()["throughput_rps"], intake.summary()["p99_ms"])
        results["series"] = series

    if "e2e" in wanted:
        floor_rps = results.get("max", {}).get("floor", {}).get("throughput_rps") or 0
        rate = max(E2E_GOAL_RATE, round(E2E_GOAL_SHARE_OF_FLOOR * floor_rps))
        duration = 20 if quick else 60
        print(f"== end to end at {rate}/s for {duration} s")
        results["e2e"] = []
        results["e2e_goal"] = {"rate": rate, "seconds": duration, "floor_rps": floor_rps}
        for workers in (2, 4):
            stack.set_workers(workers)
            asyncio.run(e2e.wait_idle(world))
            before = e2e.exactly_once(world)
            result, samples, drained, submitted, _ = asyncio.run(
                e2e.submit_and_watch(world, rate, duration)
            )
            after = e2e.exactly_once(world)
            latencies = sorted(e2e.notice_latencies(world, submitted))
            depth_end = samples[-1][1] if samples else None
            results["e2e"].append(
                {
                    "workers": workers,
                    "submitted": result.ok,
                    "notices": len(latencies),
                    "notice_p50_ms": report.pct(latencies, 50),
                    "notice_p95_ms": report.pct(latencies, 95),
                    "notice_p99_ms": report.pct(latencies, 99),
                    "max_queue_depth": max((d for _, d in samples), default=0),
                    "queue_depth_at_end_of_submissions": report.depth_at(samples, duration),
                    "drained_after_s": round(drained, 1),
                    "depth_series": samples,
                    "final_depth": depth_end,
                    "rate": rate,
                    "accepted_rps": result.summary()["throughput_rps"],
                    "before": before,
                    "after": after,
                }
            )
            print(
                workers, results["e2e"][-1]["notice_p50_ms"], results["e2e"][-1]["max_queue_depth"]
            )

    if "steady" in wanted:
        print("== end to end at a rate this machine sustains")
        results["steady"] = []
        for rate in STEADY_RATES:
            stack.set_workers(2)
            asyncio.run(e2e.wait_idle(world))
            result, samples, drained, submitted, _ = asyncio.run(
                e2e.submit_and_watch(world, rate, seconds * 2)
            )
            latencies = sorted(e2e.notice_latencies(world, submitted))
            results["steady"].append(
                {
                    "rate": rate,
                    "workers": 2,
                    "submission": result.summary(),
                    "notices": len(latencies),
                    "notice_p50_ms": report.pct(latencies, 50),
                    "notice_p95_ms": report.pct(latencies, 95),
                    "notice_p99_ms": report.pct(latencies, 99),
                    "max_queue_depth": max((d for _, d in samples), default=0),
                    "drained_after_s": round(drained, 1),
                }
            )
            print(json.dumps(results["steady"][-1], ensure_ascii=False))

    if "burst" in wanted:
        print("== burst: 10,000 within a minute")
        stack.set_workers(4)
        asyncio.run(e2e.wait_idle(world))
        burst_total = 1000 if quick else 10_000
        before = e2e.exactly_once(world)
        result, samples, drained, submitted, _ = asyncio.run(
            e2e.submit_and_watch(world, burst_total / 60, 60)
        )
        after = e2e.exactly_once(world)
        results["burst"] = {
            "target": burst_total,
            "submission": result.summary(),
            "drained_after_s": round(drained, 1),
            "max_queue_depth": max((d for _, d in samples), default=0),
            "depth_series": samples,
            "before": before,
            "after": after,
        }
        print(json.dumps({k: v for k, v in results["burst"].items() if k != "depth_series"}))

    if "burst_queued" in wanted:
        # The same minute with no worker competing for these cores (as when the workers run on
        # machines of their own); four start when the minute is over and drain the queue.
        print("== burst, workers elsewhere: 10,000 within a minute into the queue")
        stack.set_workers(0)
        burst_total = 1000 if quick else 10_000
        before = e2e.exactly_once(world)
        start = time.perf_counter()
        result = asyncio.run(
            load.fixed_rate("burst queued", world.submission(0.0), burst_total / 60, 60)
        )
        depth = stack.queue_depth()
        stack.set_workers(4)
        asyncio.run(e2e.wait_idle(world))
        results["burst_queued"] = {
            "target": burst_total,
            "submission": result.summary(),
            "queue_depth_after_minute": depth,
            "drained_after_s": round(time.perf_counter() - start, 1),
            "before": before,
            "after": e2e.exactly_once(world),
        }
        print(json.dumps(results["burst_queued"], ensure_ascii=False))
        memory(results, stack, "burst_queued")

    if "soak" in wanted:
        # Memory after many submissions: the run so far is topped up to SOAK_TOTAL stored
        # messages at a rate the workers keep up with, reading memory every tenth of the way.
        total = 10_000 if quick else SOAK_TOTAL
        stack.set_workers(2)
        step = total // 10
        while (stored := stack.psql("SELECT count(*) FROM messages")[0][0]) < total:
            count = min(step, total - stored)
            asyncio.run(load.fixed_rate("soak", world.submission(0.0), 100, count / 100))
            asyncio.run(e2e.wait_idle(world))
            memory(results, stack, "soak")
        print(json.dumps(results["memory"], ensure_ascii=False))

    if "archive" in wanted:
        print("== one deputy's 履职档案")
        from bench import archive

        results["archive"] = archive.measure(stack, items=100 if quick else 300)
        print(json.dumps(results["archive"], ensure_ascii=False))

    if "scale" in wanted:
        print("== scale of data")
        stack.set_workers(0)
        from bench import scale

        # The routing job's cost as the database grows: 1 %, 10 % and all of a province
        # (3,000 stations, 10,000 deputies, 1,000,000 items), seeded in three steps.
        full = (50_000, 300, 1000) if quick else (1_000_000, 3000, 10_000)
        curve, seeded = [], 0
        for share in (0.01, 0.09, 0.90):
            messages, stations, deputies = (max(1, int(n * share)) for n in full)
            seed = scale.seed(
                stack.database_url, messages=messages, stations=stations, deputies=deputies
            )
            seeded += messages
            curve.append({"items": seeded, "seed": seed, **dashboard.routing_timings(stack)})
            print(curve[-1])
        total = {
            key: round(sum(step["seed"][key] for step in curve), 1)
            for key, value in curve[0]["seed"].items()
            if isinstance(value, int | float)
        }
        results["scale"] = {"seed": total, "routing_curve": curve}
        results["scale"]["summary"] = scale.fill_summary(stack.app())
        print(results["scale"]["seed"], results["scale"]["summary"])
        results["scale"]["pages"] = dashboard.page_timings(stack)
        results["scale"]["export"] = dashboard.export_timing(stack)
        results["scale"]["analysis"] = dashboard.analysis_timing(stack)
        print(json.dumps(results["scale"], ensure_ascii=False))


if __name__ == "__main__":
    main()
