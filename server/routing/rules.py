"""Who answers a message. The rules are data (ROUTING_RULES, TIE_BREAKS); the choice is a pure
function over plain candidates, so it is read and tested without a database.

How to read it: the first rule that yields anyone decides the candidates; among them the tie
breaks pick one accountable deputy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class RoutingRule:
    name: str
    description: str


# In order; the first rule with at least one active deputy wins.
ROUTING_RULES = (
    RoutingRule("scanned_deputy", "群众扫的是代表本人的二维码：由该代表负责"),
    RoutingRule("on_duty", "当天（北京时间）在该联络站值班的代表"),
    RoutingRule("resident", "当天无人值班：该联络站全体驻站代表"),
)

# Among the candidates of a rule, in order.
TIE_BREAKS = (
    "专业对口优先：代表的专业领域与留言类别相符",
    "在办件最少优先：尚待其答复的件数最少",
    "轮流：最久没有分到留言的代表优先",
)


@dataclass(frozen=True)
class Candidate:
    deputy_id: int
    expertise: frozenset[str]
    open_items: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    deputy_id: int
    rule: str


_NEVER = datetime.min.replace(tzinfo=UTC)


def rank(candidate: Candidate, category_tags: frozenset[str]) -> tuple:
    """Sort key implementing TIE_BREAKS; the deputy id keeps the order total."""
    matches = bool(candidate.expertise & category_tags)
    return (
        0 if matches else 1,
        candidate.open_items,
        candidate.last_assigned_at or _NEVER,
        candidate.deputy_id,
    )


def choose(candidates: list[Candidate], category_tags: frozenset[str]) -> Candidate | None:
    if not candidates:
        return None
    return min(candidates, key=lambda c: rank(c, category_tags))


def decide(
    candidates_by_rule: Mapping[str, list[Candidate] | Callable[[], list[Candidate]]],
    category_tags: frozenset[str],
) -> Decision | None:
    """Apply ROUTING_RULES in order; None when no rule yields anyone (staff must assign).

    A rule's candidates may be given as a function, called only if the rules before it yielded
    nobody (the database is asked only what the decision needs).
    """
    for rule in ROUTING_RULES:
        candidates = candidates_by_rule.get(rule.name, [])
        if callable(candidates):
            candidates = candidates()
        chosen = choose(candidates, category_tags)
        if chosen is not None:
            return Decision(deputy_id=chosen.deputy_id, rule=rule.name)
    return None
