"""The item list's keyword (q=): the same rows as a case-insensitive substring match of the
content or the address, or the exact tracking number, found through an index where there is one.

On PostgreSQL the migration f3c9a7e5b2d1 indexes every item's character bigrams (GIN over
`lz_search_vector(content, location_address)`); the query asks for all bigrams of the keyword
(a one-character keyword: any bigram starting with it), which every matching item has, and the
exact ILIKE then drops the items that have the bigrams but not the keyword. pg_trgm was
measured and not kept: its trigrams cannot serve the two-character words most Chinese searches
are (docs/benchmarks.md). On SQLite (small deployments) the ILIKE scans the date range.
"""

from __future__ import annotations

from sqlalchemy import func

from server.models import Message
from server.platform.db import db


def like_pattern(q: str) -> str:
    """`%q%` with q's own %, _ and \\ taken literally (a keyword such as 50% or a_b)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyword_clause(q: str):
    like = like_pattern(q)
    text = Message.content.ilike(like, escape="\\") | Message.location_address.ilike(
        like, escape="\\"
    )
    exact = text | (Message.tracking_no == q)
    if db.engine.dialect.name != "postgresql":
        return exact
    # The index condition as a conjunct of its own: PostgreSQL then checks it in the index
    # only, and row by row just the ILIKE (inside the OR it would recompute every row's
    # bigrams: seconds for a common word).
    vector = func.lz_search_vector(Message.content, Message.location_address)
    return exact & (vector.op("@@")(func.lz_search_query(q)) | (Message.tracking_no == q))
