"""The quarter's text analysis, run as a background job (server/tasks: analyse_quarter): topics
per station and for all, rising words against the quarter before, and clusters of similar items
stored with their items. A run replaces the clusters of the quarter's earlier runs, but keeps
the ones staff put on a 民生实事 candidate list (their items stay linked)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator

from sqlalchemy import delete, select

from server.insight import clusters as clustering
from server.insight import topics
from server.insight.periods import Quarter
from server.insight.text import tokens
from server.models import Cluster, ClusterItem, ClusterRun, Message
from server.platform.clock import utcnow
from server.platform.db import db

TOP = 20
RISING = 10
ALL = "all"


def _items(quarter: Quarter) -> Iterator[tuple]:
    start, end = quarter.bounds()
    query = (
        select(Message.id, Message.station_id, Message.category_id, Message.content)
        .where(Message.created_at >= start, Message.created_at < end)
        .where(Message.merged_into_id.is_(None))  # a merged duplicate is its original's voice
        .order_by(Message.id)
    )
    yield from db.session.execute(query.execution_options(yield_per=5000))


def _frequencies(quarter: Quarter, keep: list | None = None) -> tuple[dict, Counter]:
    """Per station key (and ALL): Counter of items per word; and items per key. Items are kept
    in `keep` (for clustering) with their words, tokenized once."""
    df: dict = defaultdict(Counter)
    n: Counter = Counter()
    for item_id, station_id, category_id, content in _items(quarter):
        cut = tokens(content)
        words = set(cut) - topics.NOT_TOPICS
        for key in (ALL, str(station_id or 0)):
            df[key].update(words)
            n[key] += 1
        if keep is not None:
            # The words, not the text: the clustering needs nothing else and cuts nothing again.
            keep.append(clustering.Item(item_id, station_id, category_id, "", tuple(cut)))
    return df, n


def topics_of(now: Counter, n: int, before: Counter, m: int) -> dict:
    return {
        "items": n,
        "top": [[t.word, t.items] for t in topics.rank_top(now, n, TOP)],
        "rising": [
            [t.word, t.items, t.before] for t in topics.rank_rising(now, n, before, m, RISING)
        ],
    }


def run(run_id: int) -> ClusterRun:
    """Do the run `run_id` (queued): topics and clusters of its quarter; its time is kept."""
    record = db.session.get(ClusterRun, run_id)
    if record is None or record.status not in ("queued", "failed"):
        return record
    record.status = "running"
    db.session.commit()
    started = time.perf_counter()
    try:
        quarter = Quarter.parse(record.quarter)
        items: list = []
        now, n = _frequencies(quarter, items)
        before, m = _frequencies(quarter.previous())
        record.topics = {
            key: topics_of(now[key], n[key], before.get(key, Counter()), m.get(key, 0))
            for key in now
        }
        found = clustering.cluster(items)
        kept = select(Cluster.id).where(
            Cluster.quarter == record.quarter, Cluster.candidate_year.is_(None)
        )
        old = list(db.session.scalars(kept))
        if old:
            db.session.execute(delete(ClusterItem).where(ClusterItem.cluster_id.in_(old)))
            db.session.execute(delete(Cluster).where(Cluster.id.in_(old)))
        for group in found:
            cluster = Cluster(
                run_id=record.id,
                quarter=record.quarter,
                station_id=group.station_id,
                category_id=group.category_id,
                title=group.title[:100],
                keywords=" ".join(group.keywords)[:200],
                size=len(group.item_ids),
            )
            db.session.add(cluster)
            db.session.flush()
            db.session.execute(
                ClusterItem.__table__.insert(),
                [{"cluster_id": cluster.id, "message_id": i} for i in group.item_ids],
            )
        record.items = len(items)
        record.clusters = len(found)
        record.status = "done"
    except Exception as exc:  # the page shows the failure; the worker logs the trace
        db.session.rollback()
        record = db.session.get(ClusterRun, run_id)
        record.status = "failed"
        record.error = str(exc)[:500]
        raise
    finally:
        record.seconds = round(time.perf_counter() - started, 2)
        record.finished_at = utcnow()
        db.session.commit()
    return record


def latest(quarter: Quarter) -> ClusterRun | None:
    """The newest finished run of the quarter."""
    return db.session.scalar(
        select(ClusterRun)
        .where(ClusterRun.quarter == quarter.key, ClusterRun.status == "done")
        .order_by(ClusterRun.id.desc())
        .limit(1)
    )
