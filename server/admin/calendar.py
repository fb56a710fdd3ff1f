"""The working-day calendar on the dashboard (administrators): a year's holidays and 调休
make-up workdays as a list and a year grid, one day added or removed, and next year's schedule
pasted as lines the day the State Council publishes it.

Every change is in the audit log and clears this process's cached calendar
(server/routing/workdays.py), so deadlines and rosters use it at once.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for

from server.admin import bp
from server.admin.auth import admin_only
from server.models import CalendarDay
from server.models.audit import audit
from server.models.calendar import DAY_KINDS, DAY_SOURCES, NAME_MAX
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.routing import receptions, workdays
from server.routing.calendar import YEAR_MAX, YEAR_MIN

WEEKDAYS = "一二三四五六日"
# The last word of a pasted line: what the day is.
KIND_WORDS = {
    "休": "holiday",
    "放假": "holiday",
    "休息": "holiday",
    "班": "workday",
    "上班": "workday",
    "补班": "workday",
}
DEFAULT_NAMES = {"holiday": "节假日", "workday": "调休上班"}
MAX_PASTE_CHARS = 20_000
MAX_PASTE_LINES = 400
MAX_SPAN_DAYS = 31  # the longest holiday: a typo in a range must not write a year of 休
MAX_ERRORS_SHOWN = 20

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(r"\s*(?:至|到|~|—|–|-)\s*")
_UNREADABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Entry:
    day: date
    kind: str
    name: str


def weekday_name(day: date) -> str:
    return "周" + WEEKDAYS[day.weekday()]


def _date_at(text: str) -> tuple[date | None, str, str | None]:
    """A date at the start of `text`: (date, the rest, error)."""
    match = _DATE.match(text)
    if not match:
        return None, text, "看不懂日期，日期请写成 2027-02-16"
    raw = match.group(0).strip()
    year, month, day = (int(x) for x in match.groups())
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None, text, f"{raw}：年份应在 {YEAR_MIN} 到 {YEAR_MAX} 之间"
    try:
        return date(year, month, day), text[match.end() :], None
    except ValueError:
        return None, text, f"{raw} 不是有效日期"


def check_day(day: date, kind: str, name: str) -> dict[str, str]:
    """What is wrong with one entry, by form field, in Chinese; empty when it is fine."""
    errors: dict[str, str] = {}
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        errors["day"] = f"年份应在 {YEAR_MIN} 到 {YEAR_MAX} 之间"
    if kind not in DAY_KINDS:
        errors["kind"] = "请选择“休”（放假）或“班”（调休上班）"
    elif kind == "workday" and day.weekday() < 5:
        errors["day"] = (
            f"{day.isoformat()} 是{weekday_name(day)}，本来就上班，只有周六、周日才需要录入“班”"
        )
    if len(name) > NAME_MAX:
        errors["name"] = f"名称不能超过 {NAME_MAX} 个字（现在 {len(name)} 个）"
    elif _UNREADABLE.search(name):
        errors["name"] = "名称含有无法识别的字符"
    return errors


def parse_schedule(text: str) -> tuple[list[Entry], list[str]]:
    """Pasted lines -> entries, or the errors (line by line, in Chinese) if any line is wrong.

    A line is a date or a range, an optional name and the kind last, separated by spaces:
    `2027-02-16 春节 休`, `2027-02-15 至 2027-02-21 春节 休`, `2027-02-14 调休 班`. Empty lines
    and lines starting with # are skipped; full-width digits and spaces are read as ASCII.
    """
    if len(text) > MAX_PASTE_CHARS:
        return [], [f"内容太长（{len(text)} 字），一次最多粘贴 {MAX_PASTE_CHARS} 字"]
    lines = text.splitlines()
    if len(lines) > MAX_PASTE_LINES:
        return [], [f"行数太多（{len(lines)} 行），一次最多 {MAX_PASTE_LINES} 行"]
    entries: list[Entry] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            continue
        error, days, kind, name = _parse_line(line)
        if error is None:
            for day in days:
                if day in seen:
                    error = f"{day.isoformat()} 在第 {seen[day]} 行已经写过"
                    break
                problems = check_day(day, kind, name)
                if problems:
                    error = "；".join(problems.values())
                    break
        if error:
            errors.append(f"第 {number} 行（{raw.strip()[:40]}）：{error}")
            continue
        for day in days:
            seen[day] = number
            entries.append(Entry(day, kind, name))
    if not entries and not errors:
        errors.append("没有读到任何日期，请按下面的格式每行写一天或一段日期")
    return entries, errors


def _parse_line(line: str) -> tuple[str | None, list[date], str, str]:
    start, rest, error = _date_at(line)
    if error:
        return error, [], "", ""
    end = start
    joined = _RANGE.match(rest)
    if joined:
        tail = rest[joined.end() :]
        end, rest, error = _date_at(tail)
        if error:
            if not _DATE.match(tail):
                error = "一段日期请把结束日期写完整，如 2027-02-15 至 2027-02-21"
            return error, [], "", ""
        if end < start:
            return "结束日期早于开始日期", [], "", ""
        if (end - start).days >= MAX_SPAN_DAYS:
            return f"一段日期最多 {MAX_SPAN_DAYS} 天", [], "", ""
    words = rest.split()
    if not words or words[-1] not in KIND_WORDS:
        return "行末请写“休”（放假）或“班”（调休上班），与前面用空格隔开", [], "", ""
    kind = KIND_WORDS[words[-1]]
    name = " ".join(words[:-1]) or DEFAULT_NAMES[kind]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return None, days, kind, name


def _year(value: str | None) -> tuple[int, str | None]:
    today = local_today()
    value = (value or "").strip()
    if not value:
        return today.year, None
    if not (value.isascii() and value.isdigit()) or not YEAR_MIN <= int(value) <= YEAR_MAX:
        return today.year, f"年份应在 {YEAR_MIN} 到 {YEAR_MAX} 之间，已显示今年"
    return int(value), None


def year_grid(year: int, rows: dict[date, CalendarDay]) -> list[dict]:
    """Twelve months of weeks (Monday first): each day with what it is."""
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = rows.get(day)
                cells.append(
                    None
                    if day.month != month
                    else {
                        "day": day,
                        "kind": row.kind if row else ("weekend" if day.weekday() >= 5 else ""),
                        "name": row.name if row else "",
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def _page(year: int, values: dict, errors: dict, status: int = 200):
    rows = list(
        db.session.scalars(
            db.select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )
    return render_template(
        "admin/calendar.html",
        year=year,
        rows=rows,
        grid=year_grid(year, {r.day: r for r in rows}),
        known=workdays.current().year_known(year),
        holidays=sum(1 for r in rows if r.kind == "holiday"),
        workdays=sum(1 for r in rows if r.kind == "workday"),
        kinds=DAY_KINDS,
        sources=DAY_SOURCES,
        weekday_name=weekday_name,
        values=values,
        errors=errors,
        year_min=YEAR_MIN,
        year_max=YEAR_MAX,
    ), status


@bp.get("/calendar")
@admin_only
def calendar_page():
    year, error = _year(request.args.get("year"))
    return _page(year, {}, {"year": error} if error else {}, 400 if error else 200)


@bp.post("/calendar/days")
@admin_only
def calendar_day_add():
    year, _ = _year(request.args.get("year"))
    values = {k: (request.form.get(k) or "").strip() for k in ("day", "kind", "name")}
    errors: dict[str, str] = {}
    day, rest, error = _date_at(unicodedata.normalize("NFKC", values["day"]))
    if not values["day"]:
        errors["day"] = "请填写日期"
    elif error or rest.strip():
        errors["day"] = error or "日期格式应为 2027-02-16"
    kind = values["kind"]
    name = values["name"] or DEFAULT_NAMES.get(kind, "")
    if day is not None and not errors:
        errors.update(check_day(day, kind, name))
    if day is not None and not errors:
        existing = db.session.get(CalendarDay, day)
        if existing is not None:
            errors["day"] = (
                f"{day.isoformat()} 已录入为“{DAY_KINDS[existing.kind]}”（{existing.name}），"
                "如需修改请先在列表中删除"
            )
    if errors:
        return _page(day.year if day and not errors.get("day") else year, values, errors, 422)
    db.session.add(
        CalendarDay(day=day, kind=kind, name=name, source="staff", updated_by=g.staff.id)
    )
    audit("calendar_day_added", f"calendar:{day.isoformat()}", kind=kind, name=name)
    db.session.commit()
    workdays.clear()
    _cancel_receptions()
    flash(f"已录入 {day.isoformat()}（{weekday_name(day)}）{DAY_KINDS[kind]}：{name}", "success")
    return redirect(url_for("admin.calendar_page", year=day.year))


@bp.post("/calendar/days/<day>/delete")
@admin_only
def calendar_day_delete(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    row = db.session.get(CalendarDay, when)
    if row is None:
        abort(404)
    kind, name, source = row.kind, row.name, row.source
    db.session.delete(row)
    audit("calendar_day_removed", f"calendar:{day}", kind=kind, name=name, source=source)
    db.session.commit()
    workdays.clear()
    _cancel_receptions()
    flash(f"已删除 {day}（{weekday_name(when)}）{DAY_KINDS.get(kind, kind)}：{name}", "success")
    return redirect(url_for("admin.calendar_page", year=when.year))


@bp.post("/calendar/paste")
@admin_only
def calendar_paste():
    year, _ = _year(request.args.get("year"))
    text = request.form.get("schedule") or ""
    entries, problems = parse_schedule(text)
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"……另有 {len(problems) - len(shown)} 行有误")
        return _page(year, {"schedule": text}, {"schedule": shown}, 422)
    existing = {
        r.day: r
        for r in db.session.scalars(
            db.select(CalendarDay).where(CalendarDay.day.in_([e.day for e in entries]))
        )
    }
    added = changed = 0
    for entry in entries:
        row = existing.get(entry.day)
        if row is None:
            db.session.add(
                CalendarDay(
                    day=entry.day,
                    kind=entry.kind,
                    name=entry.name,
                    source="staff",
                    updated_by=g.staff.id,
                )
            )
            added += 1
        elif (row.kind, row.name) != (entry.kind, entry.name):
            row.kind, row.name, row.source = entry.kind, entry.name, "staff"
            row.updated_by, row.updated_at = g.staff.id, utcnow()
            changed += 1
    years = sorted({e.day.year for e in entries})
    audit(
        "calendar_pasted",
        "calendar:" + ",".join(str(y) for y in years),
        added=added,
        changed=changed,
        unchanged=len(entries) - added - changed,
        days={e.day.isoformat(): f"{DAY_KINDS[e.kind]} {e.name}" for e in entries},
    )
    db.session.commit()
    workdays.clear()
    _cancel_receptions()
    unchanged = len(entries) - added - changed
    flash(
        f"已读入 {len(entries)} 天：新增 {added} 天，修改 {changed} 天，未变 {unchanged} 天",
        "success",
    )
    return redirect(url_for("admin.calendar_page", year=years[0]))


def _cancel_receptions() -> None:
    """A day that became a holiday (节假日, 调休) cancels the reception published for it, and
    its subscribers are told now, not at the next periodic pass."""
    receptions.cancel_holidays()
    db.session.commit()


@bp.app_template_global()
def calendar_missing_year() -> int | None:
    """For the overview's banner: the year whose holidays are not entered yet (or None)."""
    return workdays.missing_year()
