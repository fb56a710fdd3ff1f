"""The life of a 代表建议, as data: every allowed move of its status, and `move()`, the only
writer of `Suggestion.status` (as server/models/lifecycle.py is for items).

Each move is one conditional UPDATE on the status the caller read, so of two hands acting at
once exactly one wins (409 for the other), and records its SuggestionEvent in the same
transaction. A move whose target is None keeps the status but is still recorded (a 面商, an
interim answer, a 协办 opinion).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, update
from sqlalchemy.orm.attributes import set_committed_value

from server.models import SUGGESTION_STATUSES, Suggestion, SuggestionEvent
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError

DEPUTY, STAFF, UNIT, SYSTEM = "deputy", "staff", "unit", "system"
# While the 主办 unit has it (before its final answer).
WITH_UNIT = ("assigned", "signed", "reanswer")


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple[str, ...]
    target: str | None
    actors: frozenset[str]
    label: str


def _m(name: str, sources, target, actors, label: str) -> Move:
    return Move(name, tuple(sources), target, frozenset(actors), label)


SUGGESTION_MOVES: tuple[Move, ...] = (
    # Drafting: the 领衔 deputy (or staff for them) writes it; 附议 deputies confirm meanwhile.
    _m("edit", ["draft", "returned"], None, [DEPUTY, STAFF], "修改建议"),
    _m("co_confirm", ["draft", "returned"], None, [DEPUTY], "附议确认"),
    _m("co_decline", ["draft", "returned"], None, [DEPUTY], "附议谢绝"),
    _m("submit", ["draft", "returned"], "submitted", [DEPUTY, STAFF], "提交建议"),
    # 规范性审查: back to the deputy with remarks, or accepted (and numbered).
    _m("review_return", ["submitted"], "returned", [STAFF], "退回修改"),
    _m("accept", ["submitted"], "accepted", [STAFF], "审查通过并编号"),
    # 交办: one 主办 unit, any 协办 units, a deadline in working days.
    _m("assign", ["accepted"], "assigned", [STAFF], "交办"),
    _m("priority", ["accepted", *WITH_UNIT, "answered"], None, [STAFF], "重点督办"),
    _m("sign", ["assigned"], "signed", [UNIT], "签收"),
    _m("meeting", [*WITH_UNIT, "answered", "lookback"], None, [UNIT], "面商"),
    _m("interim", ["signed", "reanswer"], None, [UNIT], "阶段性答复"),
    _m("co_opinion", [*WITH_UNIT], None, [UNIT], "协办意见"),
    # The final answer (signing is implied when the unit answers straight away); a second one
    # after 不满意.
    _m("answer", ["assigned", "signed", "reanswer"], "answered", [UNIT], "答复"),
    # 背靠背 evaluation by the 领衔 deputy.
    _m("evaluate", ["answered"], "evaluated", [DEPUTY], "代表评价"),
    _m("evaluate_unsatisfied", ["answered"], "reanswer", [DEPUTY], "代表不满意，二次答复"),
    # The evaluation period closes (the sweep, or staff): 办结; the unit may see the ratings.
    _m("close", ["answered", "evaluated"], "closed", [STAFF, SYSTEM], "办结"),
    # Grade B: at the date the unit promised, 回头看; the unit reports how far it got.
    _m("lookback", ["closed"], "lookback", [SYSTEM, STAFF], "回头看"),
    _m("lookback_report", ["lookback"], "closed", [UNIT], "回头看情况报告"),
)
MOVES_BY_NAME = {m.name: m for m in SUGGESTION_MOVES}
MOVE_LABELS = {m.name: m.label for m in SUGGESTION_MOVES}


def refusal(status: str) -> ApiError:
    label = SUGGESTION_STATUSES.get(status, status)
    return ApiError(409, "not_allowed", f"该建议当前为“{label}”，不能进行此操作")


def allowed(name: str, status: str, actor: str) -> bool:
    found = MOVES_BY_NAME.get(name)
    return found is not None and status in found.sources and actor in found.actors


def check(suggestion: Suggestion, name: str, actor: str) -> Move:
    """The row allowing `name` now, or the 409 the caller answers (nothing written yet)."""
    if not allowed(name, suggestion.status, actor):
        raise refusal(suggestion.status)
    return MOVES_BY_NAME[name]


def move(
    suggestion: Suggestion,
    name: str,
    actor: str,
    actor_id: int | None = None,
    *,
    values: dict | None = None,
    **data,
) -> int:
    """Move `suggestion` along `name` in the caller's transaction, writing `values` with the
    same UPDATE; returns the event id. The caller commits (or rolls back after a 409)."""
    found = check(suggestion, name, actor)
    source = suggestion.status
    target = found.target or source
    now = utcnow()
    columns = {"status": target, "updated_at": now, **(values or {})}
    db.session.flush()
    done = db.session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.status == source)
        .values(**columns)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise ApiError(409, "conflict", "这条建议刚刚被其他人处理过，请刷新后再操作")
    for key, value in columns.items():
        set_committed_value(suggestion, key, value)
    event = db.session.execute(
        insert(SuggestionEvent).returning(SuggestionEvent.id),
        {
            "suggestion_id": suggestion.id,
            "kind": name,
            "source": source,
            "target": target,
            "actor": actor,
            "actor_id": actor_id,
            "data": data,
            "created_at": now,
        },
    ).scalar_one()
    return event
