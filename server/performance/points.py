"""履职积分, computed from the record and never typed in.

Two steps, both pure: `facts_from_events` reads the events (the same rows the registers are
derived from) into facts — "deputy D earned item I on day X for this" — and `score` prices
each fact by the rule in force on the fact's own Beijing date, applying the rule's cap per
quarter in the order the facts happened. `load` reads the events of a period from the database
and `rules` the rule rows; nothing is stored, so a recalculation is the same calculation.

Suggestions (代表建议) are another feature's; their points come from events it records:
`suggestion.led` and `suggestion.seconded` (actor deputy, data `deputy_id`, `suggestion_id`,
`title`) and `suggestion.answered` (data `deputy_id` = the lead deputy, `grade` A | B | C).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from server.models import DEFAULT_RULES, Event, PointRule
from server.performance.periods import Period, quarter_key
from server.platform.clock import local_today, to_local
from server.platform.db import db

FIRST_RESPONSE = timedelta(hours=24)
HANDED_OVER = ("routed", "reassigned", "reopened")  # the deputy's answering clock starts
SUGGESTION_GRADES = {"A": "suggestion_grade_a", "B": "suggestion_grade_b"}
RATED = {"satisfied": "rated_satisfied", "basically_satisfied": "rated_basically_satisfied"}
SUGGESTION_KINDS = ("suggestion.led", "suggestion.seconded", "suggestion.answered")
# Events that earn something on their own date; the others only give context.
TRIGGERS = ("replied", "closed", "rated", "received", "shift_attended", *SUGGESTION_KINDS)
CONTEXT = ("routed", "reassigned", "reopened", "replied", "transferred", "unit_answered")


@dataclass(frozen=True)
class EventRow:
    id: int
    kind: str
    message_id: int | None
    actor: str
    actor_id: int | None
    data: Mapping
    created_at: datetime


@dataclass(frozen=True)
class Fact:
    deputy_id: int
    item: str
    at: datetime
    key: str  # one fact per key: a second answer to the same item earns nothing more
    ref: str  # what it was for, in Chinese
    message_id: int | None = None

    @property
    def on(self) -> date:
        return local_today(self.at)


@dataclass(frozen=True)
class Rule:
    id: int | None
    item: str
    label: str
    points: int
    cap: int | None
    active_from: date
    active_to: date | None

    def active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


@dataclass(frozen=True)
class Line:
    fact: Fact
    rule: Rule | None
    points: int
    reason: str


def _deputy_of(event: EventRow) -> int | None:
    named = event.data.get("deputy_id") if event.data else None
    if isinstance(named, int):
        return named
    return event.actor_id if event.actor == "deputy" else None


def facts_from_events(events: Iterable[EventRow], answer_hours: float) -> list[Fact]:
    """Every fact the events hold, oldest first. `answer_hours`: the deputy's answering
    allowance (DEPUTY_ANSWER_HOURS), counted from the latest hand-over before the answer."""
    ordered = sorted(events, key=lambda e: (e.created_at, e.id))
    facts: dict[str, Fact] = {}
    handed: dict[int, datetime] = {}  # message -> latest hand-over
    first_routed: dict[int, datetime] = {}
    answered_messages: set[int] = set()
    reply_author: dict[int, int] = {}  # reply id -> deputy
    transferred_by: dict[int, int] = {}  # message -> the deputy who handed it to a unit
    unit_answered: set[int] = set()

    def add(fact: Fact) -> None:
        facts.setdefault(fact.key, fact)

    for e in ordered:
        m, data = e.message_id, e.data or {}
        if e.kind in HANDED_OVER and m is not None:
            handed[m] = e.created_at
            if e.kind == "routed":
                first_routed.setdefault(m, e.created_at)
        elif e.kind == "replied" and m is not None:
            first_of_item = m not in answered_messages
            answered_messages.add(m)
            if e.actor != "deputy" or e.actor_id is None:
                continue
            deputy = e.actor_id
            if data.get("reply_id"):
                reply_author[int(data["reply_id"])] = deputy
            ref = f"事项 #{m}"
            add(Fact(deputy, "answered", e.created_at, f"answered-{m}-{deputy}", ref, m))
            start = handed.get(m)
            if start is not None and e.created_at - start <= timedelta(hours=answer_hours):
                add(Fact(deputy, "answered_on_time", e.created_at, f"ontime-{m}-{deputy}", ref, m))
            routed = first_routed.get(m)
            if first_of_item and routed is not None and e.created_at - routed <= FIRST_RESPONSE:
                add(Fact(deputy, "first_response_24h", e.created_at, f"first-{m}", ref, m))
        elif e.kind == "transferred" and m is not None and e.actor == "deputy" and e.actor_id:
            transferred_by[m] = e.actor_id
        elif e.kind == "unit_answered" and m is not None:
            unit_answered.add(m)
        elif e.kind == "closed" and m is not None and m in transferred_by and m in unit_answered:
            deputy = transferred_by[m]
            add(
                Fact(
                    deputy,
                    "transfer_solved",
                    e.created_at,
                    f"solved-{m}",
                    f"事项 #{m}",
                    m,
                )
            )
        elif e.kind == "rated" and m is not None:
            score = data.get("score")
            deputy = reply_author.get(int(data.get("reply_id") or 0))
            item = {
                "satisfied": "rated_satisfied",
                "basically_satisfied": "rated_basically_satisfied",
            }
            if deputy is not None and score in item:
                key = f"rated-{data.get('reply_id')}"
                add(Fact(deputy, RATED[score], e.created_at, key, f"事项 #{m}", m))
        elif e.kind == "received" and data.get("channel") == "walk_in" and data.get("received_by"):
            deputy = int(data["received_by"])
            add(Fact(deputy, "walkin_received", e.created_at, f"walkin-{m}", f"来访 #{m}", m))
        elif e.kind == "shift_attended":
            deputy = _deputy_of(e)
            if deputy is not None:
                station, day = data.get("station_name", ""), data.get("date", "")
                key = f"shift-{deputy}-{data.get('station_id')}-{day}"
                add(Fact(deputy, "shift_attended", e.created_at, key, f"{day} {station}值班"))
        elif e.kind in SUGGESTION_KINDS:
            deputy = _deputy_of(e)
            suggestion = data.get("suggestion_id")
            if deputy is None or suggestion is None:
                continue
            title = f"建议《{data.get('title') or suggestion}》"
            if e.kind == "suggestion.answered":
                item = SUGGESTION_GRADES.get(str(data.get("grade", "")).upper())
                key = f"grade-{suggestion}-{deputy}"
                # A second answer (after 不满意) replaces the first one's grade: the grade
                # that stands is the last answer's, C (no points) included.
                facts.pop(key, None)
                if item:
                    add(Fact(deputy, item, e.created_at, key, title))
            else:
                item = "suggestion_led" if e.kind == "suggestion.led" else "suggestion_seconded"
                add(Fact(deputy, item, e.created_at, f"{item}-{suggestion}-{deputy}", title))
    return sorted(facts.values(), key=lambda f: (f.at, f.key))


def rule_in_force(rules: Iterable[Rule], item: str, day: date) -> Rule | None:
    found = [r for r in rules if r.item == item and r.active_on(day)]
    return max(found, key=lambda r: r.active_from) if found else None


def score(facts: Iterable[Fact], rules: list[Rule]) -> dict[int, list[Line]]:
    """Each deputy's lines, oldest first: the points of the rule in force on the fact's date,
    cut to what is left of that rule's cap for the item in the fact's quarter."""
    used: dict[tuple[int, str, str], int] = defaultdict(int)
    lines: dict[int, list[Line]] = defaultdict(list)
    for fact in sorted(facts, key=lambda f: (f.at, f.key)):
        day = fact.on
        rule = rule_in_force(rules, fact.item, day)
        if rule is None:
            lines[fact.deputy_id].append(Line(fact, None, 0, "该项当日未计分"))
            continue
        bucket = (fact.deputy_id, fact.item, quarter_key(day))
        points = rule.points
        reason = f"{rule.label}：{rule.points} 分"
        if rule.cap is not None and points > 0:
            left = max(0, rule.cap - used[bucket])
            if points > left:
                points = left
                reason = f"{rule.label}：已达本季度上限 {rule.cap} 分，计 {points} 分"
        used[bucket] += points
        lines[fact.deputy_id].append(Line(fact, rule, points, reason))
    return dict(lines)


def total(lines: Iterable[Line]) -> int:
    return sum(line.points for line in lines)


def by_item(lines: Iterable[Line]) -> dict[str, tuple[int, int]]:
    """item -> (how many facts, points)."""
    out: dict[str, list[int]] = {}
    for line in lines:
        row = out.setdefault(line.fact.item, [0, 0])
        row[0] += 1
        row[1] += line.points
    return {item: (n, p) for item, (n, p) in out.items()}


# -- the database -------------------------------------------------------------------------------


def rules() -> list[Rule]:
    rows = db.session.scalars(select(PointRule).order_by(PointRule.item, PointRule.active_from))
    return [
        Rule(r.id, r.item, r.label, r.points, r.cap_per_quarter, r.active_from, r.active_to)
        for r in rows
    ]


def item_label(item: str) -> str:
    return DEFAULT_RULES.get(item, (item,))[0]


def _rows(query) -> list[EventRow]:
    return [
        EventRow(r.id, r.kind, r.message_id, r.actor, r.actor_id, r.data or {}, r.created_at)
        for r in db.session.execute(query)
    ]


def load(period: Period) -> list[EventRow]:
    """The period's earning events and, for the items among them, their earlier context
    (the routing before an answer, the transfer before a close)."""
    columns = (
        Event.id,
        Event.kind,
        Event.message_id,
        Event.actor,
        Event.actor_id,
        Event.data,
        Event.created_at,
    )
    window = (Event.created_at >= period.starts_at, Event.created_at < period.ends_at)
    triggers = _rows(select(*columns).where(Event.kind.in_(TRIGGERS), *window))
    ids = sorted({e.message_id for e in triggers if e.message_id is not None})
    context: list[EventRow] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        context += _rows(
            select(*columns).where(
                Event.message_id.in_(chunk),
                or_(Event.kind.in_(CONTEXT), Event.kind == "closed"),
                Event.created_at < period.ends_at,
            )
        )
    seen = {e.id for e in triggers}
    return triggers + [e for e in context if e.id not in seen]


def compute(period: Period, answer_hours: float) -> dict[int, list[Line]]:
    """Every deputy's lines for the period (facts dated inside it only)."""
    facts = [
        f
        for f in facts_from_events(load(period), answer_hours)
        if period.first <= f.on <= period.last
    ]
    return score(facts, rules())


def describe(line: Line) -> dict:
    return {
        "date": line.fact.on.isoformat(),
        "time": to_local(line.fact.at).strftime("%Y-%m-%d %H:%M"),
        "item": line.fact.item,
        "label": line.rule.label if line.rule else item_label(line.fact.item),
        "ref": line.fact.ref,
        "message_id": line.fact.message_id,
        "points": line.points,
        "reason": line.reason,
    }


class RuleRefused(ValueError):
    """Why a rule change is refused: field -> Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def change_rule(
    item: str, points: int, cap: int | None, from_day: date, staff_id: int | None
) -> tuple[PointRule, PointRule | None]:
    """New terms for `item` from `from_day` on: the row in force is closed the day before and
    a row from that day added (a change made the same day as the last replaces it). Facts
    before the date keep the terms they were earned under. Returns (new row, closed row).
    The caller audits and commits."""
    current = db.session.scalar(
        select(PointRule)
        .where(PointRule.item == item)
        .order_by(PointRule.active_from.desc(), PointRule.id.desc())
        .limit(1)
        .with_for_update()
    )
    if current is None:
        raise RuleRefused({"item": "没有这个积分项目"})
    if from_day < current.active_from:
        raise RuleRefused(
            {"active_from": f"生效日期不能早于该项目当前规则的生效日期 {current.active_from}"}
        )
    if from_day == current.active_from:
        current.points, current.cap_per_quarter, current.changed_by_id = points, cap, staff_id
        return current, None
    current.active_to = from_day - timedelta(days=1)
    row = PointRule(
        item=item,
        label=current.label,
        points=points,
        cap_per_quarter=cap,
        active_from=from_day,
        changed_by_id=staff_id,
    )
    db.session.add(row)
    return row, current
