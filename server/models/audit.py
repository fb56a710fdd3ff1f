"""What staff did on the dashboard outside any one item: sign-ins, edits, exports, invites.

Item changes are Event rows (the register is derived from them); this log covers the rest so an
administrator can answer "who changed this station's code" or "who exported the register".

Tamper-evident (等保 2.0, issue 19): each row carries `hash = sha256(prev_hash + canonical row)`
and `prev_hash` is the row before it's `hash`, so editing, deleting or inserting a row in the
middle with SQL breaks the chain from there on (`verify_chain`, `flask audit verify`). The one
`AuditChain` row holds the last hash: writers lock it (SELECT ... FOR UPDATE on PostgreSQL;
SQLite has one writer at a time anyway), so concurrent inserts chain one after another, and
a deleted tail row shows as a head that names a hash no row has. Retention (older than
AUDIT_RETENTION_DAYS, never under 180 days) removes rows from the start only and records the
hash the first kept row follows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

GENESIS = ""  # what the first row ever written follows


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")  # e.g. "station:3"
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None only on rows written before the chain existed (they come before every chained row).
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    staff: Mapped[StaffUser | None] = relationship()  # noqa: F821


class AuditChain(db.Model):
    """The chain's head (one row, id 1): the last row's hash, and where retention cut."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    # The hash the oldest kept row follows after retention removed the rows before it.
    pruned_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    pruned_through_id: Mapped[int | None] = mapped_column(Integer)


def _stamp(value: datetime) -> str:
    # Microseconds in UTC: both databases keep them, so what is read back hashes the same.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(row: AuditLog) -> str:
    """The row's content as one exact string (keys sorted, no spaces, Chinese as is)."""
    return json.dumps(
        [
            row.id,
            row.staff_id,
            row.action,
            row.target or "",
            row.data or {},
            row.ip or "",
            _stamp(row.created_at),
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def row_hash(prev_hash: str, row: AuditLog) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def _select_head():
    # populate_existing: the values as of the lock, not what this session loaded earlier.
    return db.session.scalar(
        db.select(AuditChain)
        .where(AuditChain.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _locked_head() -> AuditChain:
    head = _select_head()
    if head is None:
        # The head is made by the migration; a wiped table gets it back here. Of two first
        # writers one inserts, the other's insert waits for it and does nothing.
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(AuditChain)
            .values(id=1, last_hash=GENESIS, pruned_hash=GENESIS)
            .on_conflict_do_nothing()
        )
        head = _select_head()
    return head


def audit(action: str, target: str = "", staff_id: int | None = None, **data) -> AuditLog:
    """One row of the log in the caller's transaction: who (the signed-in account unless
    given), what, on what, from which address. Every action needs its words in
    server/admin/audit.py (tests/admin/test_audit.py checks)."""
    staff = getattr(g, "staff", None) if has_request_context() else None
    # Round-tripped through JSON now, so the hash is of what the database will give back.
    data = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    head = _locked_head()  # held to the caller's commit: the next writer chains after this row
    row = AuditLog(
        staff_id=staff_id if staff_id is not None else (staff.id if staff else None),
        action=action,
        target=target[:64],
        data=data,
        # Actions also run outside a request (the demo seed, scripts): no address then.
        ip=((request.remote_addr or "") if has_request_context() else "")[:64],
        created_at=utcnow(),
        prev_hash=head.last_hash,
    )
    db.session.add(row)
    db.session.flush()  # the id is part of what is hashed
    row.hash = row_hash(row.prev_hash, row)
    head.last_id, head.last_hash = row.id, row.hash
    return row


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows: int  # chained rows checked
    broken_id: int | None = None  # the first row that does not fit
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"审计日志完整：{self.rows} 条记录的哈希链校验通过"
        where = f"第 {self.broken_id} 号记录" if self.broken_id else "链尾"
        return f"审计日志哈希链在{where}处断开：{self.reason}"


def verify_chain(batch: int = 2000) -> ChainCheck:
    """Walk the chain in id order; the first row whose hash or link does not fit is named."""
    head = db.session.get(AuditChain, 1, populate_existing=True)
    expected = head.pruned_hash if head else GENESIS
    last_id, count, chained = 0, 0, False
    while True:
        rows = list(
            db.session.scalars(
                db.select(AuditLog)
                .where(AuditLog.id > last_id)
                .order_by(AuditLog.id)
                .limit(batch)
                # What the database holds now, not what this session loaded before.
                .execution_options(populate_existing=True)
            )
        )
        if not rows:
            break
        for row in rows:
            last_id = row.id
            if row.hash is None and row.prev_hash is None and not chained:
                continue  # written before the chain began
            chained = True
            count += 1
            if row.prev_hash != expected:
                return ChainCheck(
                    False, count, row.id, "与前一条记录的哈希不衔接（记录被删除或插入）"
                )
            if row.hash != row_hash(row.prev_hash or "", row):
                return ChainCheck(False, count, row.id, "内容与哈希不符（记录被修改）")
            expected = row.hash
        db.session.expire_all()  # keep memory flat on a long log
    if head is not None and head.last_hash != expected:
        return ChainCheck(False, count, None, "最后的记录缺失（记录被删除）")
    return ChainCheck(True, count)


def prune(retention_days: int, now: datetime | None = None) -> int:
    """Delete the rows before the first one younger than retention_days (0 keeps all). Only
    from the start of the chain, and never a younger row: an old row written after a younger
    one (a clock set back) waits until everything before it may go."""
    if not retention_days:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    head = _locked_head()
    first_young = db.session.scalar(
        db.select(db.func.min(AuditLog.id)).where(AuditLog.created_at >= cutoff)
    )
    old = db.select(AuditLog).where(AuditLog.created_at < cutoff)
    if first_young is not None:
        old = old.where(AuditLog.id < first_young)
    last_old = db.session.scalar(old.order_by(AuditLog.id.desc()).limit(1))
    if last_old is None:
        return 0
    through, last_hash = last_old.id, last_old.hash
    removed = db.session.execute(
        db.delete(AuditLog)
        .where(AuditLog.id <= through, AuditLog.created_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    if last_hash is not None:
        head.pruned_hash = last_hash
    head.pruned_through_id = through
    return removed
