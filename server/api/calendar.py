"""The working-day calendar in force, for anyone (the mini-program shows due dates with it)."""

from __future__ import annotations

from marshmallow import fields, validate

from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema
from server.platform.clock import local_today
from server.routing import workdays
from server.routing.calendar import YEAR_MAX, YEAR_MIN

blp = Blueprint("calendar", __name__, description="工作日日历（法定节假日与调休）")


class CalendarQuery(RequestSchema):
    year = fields.Integer(
        metadata={"description": "公历年份，默认今年（北京时间）"},
        validate=validate.Range(
            min=YEAR_MIN, max=YEAR_MAX, error=f"年份应在 {YEAR_MIN} 到 {YEAR_MAX} 之间"
        ),
    )


class CalendarOut(RequestSchema):
    year = fields.Integer(required=True)
    holidays = fields.List(
        fields.String(), required=True, metadata={"description": "放假的日子（YYYY-MM-DD）"}
    )
    workdays = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "调休上班的周六、周日（YYYY-MM-DD）"},
    )
    known = fields.Boolean(
        required=True,
        metadata={"description": "false：该年的节假日安排尚未录入，只按周六、周日休息计算"},
    )


def year_view(year: int) -> dict:
    calendar = workdays.current()
    return {
        "year": year,
        "holidays": sorted(d.isoformat() for d in calendar.holidays if d.year == year),
        "workdays": sorted(d.isoformat() for d in calendar.workdays if d.year == year),
        "known": calendar.year_known(year),
    }


@blp.get("/calendar")
@blp.arguments(CalendarQuery, location="query")
@blp.response(200, CalendarOut)
@blp.doc(responses=error_responses(422))
def calendar_year(query: dict):
    """某年的法定节假日和调休上班日（期限按工作日计算时所用）"""
    return year_view(query.get("year", local_today().year))
