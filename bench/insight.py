"""The quarterly analysis' text work in process, without the stack: jieba over a province's
quarter of items and the clustering of them (the costly part of the analysis job; the job adds
reading the rows and writing the clusters). `python -m bench.insight [--items N]`; the full
job against PostgreSQL is timed by ./scripts/bench's scale scenario (bench/dashboard.py:
analysis_timing).

The items are the load generator's sentences with a place and a number varied, spread over
3,000 stations and 7 categories as in bench/scale.py, so blocks are as small as a province's.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time

from bench.world import SENTENCES

PLACES = ["金竹西路", "人民路", "和平街", "幸福小区", "城东菜市场", "实验小学", "河滨公园"]


def items(count: int, stations: int = 3000, categories: int = 7, seed: int = 17):
    from server.insight.clusters import Item

    rng = random.Random(seed)
    for i in range(count):
        text = rng.choice(PLACES) + rng.choice(SENTENCES) + f"（{rng.randint(1, 99)}号）"
        yield Item(i, rng.randint(1, stations), rng.randint(1, categories), text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=250_000)
    args = parser.parse_args()
    from server.insight import clusters
    from server.insight.text import tokens

    tokens("预热")  # jieba's dictionary loads once per process (about a second)
    made = list(items(args.items))
    start = time.perf_counter()
    cut = [clusters.Item(i.id, i.station_id, i.category_id, "", tuple(tokens(i.content)))
           for i in made]  # fmt: skip
    cut_seconds = time.perf_counter() - start
    start = time.perf_counter()
    found = clusters.cluster(cut)
    cluster_seconds = time.perf_counter() - start
    print(json.dumps({
        "items": args.items,
        "jieba_seconds": round(cut_seconds, 1),
        "cluster_seconds": round(cluster_seconds, 1),
        "clusters": len(found),
        "largest": len(found[0].item_ids) if found else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
