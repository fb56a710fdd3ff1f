"""The per-unit table of 代表建议 (as 主办): how many, signed on time, 面商率, answered on time,
satisfaction and the grade mix; and the year's rows for the register."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.models import Suggestion, SuggestionUnit
from server.models.suggestion import LEAD
from server.platform.clock import local_today
from server.platform.db import db

SATISFIED = ("satisfied", "basically_satisfied")


@dataclass
class UnitRow:
    unit: str
    handed: int = 0
    signed: int = 0
    signed_on_time: int = 0
    answered: int = 0
    answered_on_time: int = 0
    met: int = 0  # with at least one 面商 before the (first) answer
    rated: int = 0
    satisfied: int = 0
    grades: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0, "C": 0})

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def signed_on_time_rate(self) -> float | None:
        return self._rate(self.signed_on_time, self.signed)

    @property
    def meeting_rate(self) -> float | None:  # 面商率, of the answered ones
        return self._rate(self.met, self.answered)

    @property
    def answered_on_time_rate(self) -> float | None:
        return self._rate(self.answered_on_time, self.answered)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)


def handed_in_year(year: int | None = None) -> list[Suggestion]:
    """Every numbered suggestion (of `year`), with what the table and the register read."""
    query = (
        select(Suggestion)
        .where(Suggestion.seq.is_not(None))
        .options(
            selectinload(Suggestion.units).selectinload(SuggestionUnit.unit),
            selectinload(Suggestion.meetings),
            selectinload(Suggestion.evaluations),
            selectinload(Suggestion.deputies),
            selectinload(Suggestion.lead_deputy),
        )
        .order_by(Suggestion.year, Suggestion.seq)
    )
    if year is not None:
        query = query.where(Suggestion.year == year)
    return list(db.session.scalars(query))


def unit_table(suggestions: list[Suggestion]) -> list[UnitRow]:
    rows: dict[int, UnitRow] = {}
    for s in suggestions:
        lead = next((u for u in s.units if u.role == LEAD), None)
        if lead is None:
            continue
        row = rows.setdefault(lead.unit_id, UnitRow(lead.unit.name))
        row.handed += 1
        if s.signed_at:
            row.signed += 1
            row.signed_on_time += bool(s.sign_due_at and s.signed_at <= s.sign_due_at)
        if s.first_answered_at:
            row.answered += 1
            row.answered_on_time += bool(s.first_due_at and s.first_answered_at <= s.first_due_at)
            first_answer_day = local_today(s.first_answered_at)
            row.met += any(m.held_on <= first_answer_day for m in s.meetings)
        if s.grade in row.grades:
            row.grades[s.grade] += 1
        last = s.evaluations[-1] if s.evaluations else None
        if last is not None:
            row.rated += 1
            row.satisfied += last.score in SATISFIED
    return sorted(rows.values(), key=lambda r: (-r.handed, r.unit))
