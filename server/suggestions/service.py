"""代表建议, step by step: drafting from citizens' items, 附议 confirmation, 规范性审查, the number,
交办, the unit's side (sign, 面商, interim answer, 协办 opinion, answer with its grade and PDF),
the 领衔 deputy's back-to-back evaluation, the second answer after 不满意, closing and 回头看.

Every status change is a row of SUGGESTION_MOVES (server/suggestions/moves.py). The caller
commits; a refusal is an ApiError in Chinese raised before anything is written.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from server.models import (
    GRADES,
    SCORES,
    Deputy,
    Message,
    Suggestion,
    SuggestionDeputy,
    SuggestionDocument,
    SuggestionEvaluation,
    SuggestionEvent,
    SuggestionItem,
    SuggestionMeeting,
    SuggestionUnit,
    Unit,
)
from server.models.event import record
from server.models.suggestion import CO, LEAD, MEETING_FORMS
from server.notices import board
from server.notices.outbox import Written, queue_notice, write_notice
from server.platform.clock import iso, local_today, utcnow
from server.platform.db import db
from server.platform.errors import ApiError, not_found, validation_error
from server.platform.text import MAX_ID
from server.routing import workdays
from server.suggestions.moves import DEPUTY, STAFF, SYSTEM, UNIT, check, move

MAX_ITEMS = 20
MAX_CO_DEPUTIES = 30
MAX_CO_UNITS = 5
MAX_DAYS = 250  # a year's working days: more is a typo


def _id_ok(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _log(suggestion: Suggestion, kind: str, actor: str, actor_id: int | None, **data) -> None:
    """An event that is not a move (the draft being created)."""
    db.session.execute(
        insert(SuggestionEvent),
        {
            "suggestion_id": suggestion.id,
            "kind": kind,
            "source": suggestion.status,
            "target": suggestion.status,
            "actor": actor,
            "actor_id": actor_id,
            "data": data,
            "created_at": utcnow(),
        },
    )


# -- drafting -------------------------------------------------------------------------------


def _items(message_ids, lead: Deputy | None) -> list[Message]:
    """The linked items: they exist and, for a deputy, are theirs to act on."""
    ids = list(dict.fromkeys(message_ids or ()))
    if not ids:
        raise validation_error({"message_ids": "请至少选择一件群众反映"})
    if len(ids) > MAX_ITEMS:
        raise validation_error({"message_ids": f"一条建议最多关联 {MAX_ITEMS} 件群众反映"})
    if not all(_id_ok(i) for i in ids):
        raise validation_error({"message_ids": "群众反映编号无效"})
    rows = {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise validation_error({"message_ids": "找不到所选的群众反映"})
    if lead is not None:
        foreign = [
            i for i in ids if (a := rows[i].active_assignment) is None or a.deputy_id != lead.id
        ]
        if foreign:
            raise ApiError(
                403,
                "not_your_item",
                "只能用由您本人办理的群众反映提出建议",
                {"message_ids": "其中有不由您办理的事项"},
            )
    return [rows[i] for i in ids]


def _co_deputies(co_ids, lead: Deputy) -> list[Deputy]:
    ids = list(dict.fromkeys(co_ids or ()))
    if len(ids) > MAX_CO_DEPUTIES:
        raise validation_error({"co_deputy_ids": f"附议代表最多 {MAX_CO_DEPUTIES} 位"})
    if not all(_id_ok(i) for i in ids):
        raise validation_error({"co_deputy_ids": "附议代表无效"})
    if lead.id in ids:
        raise validation_error({"co_deputy_ids": "领衔代表不必再附议"})
    rows = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)))}
    if any(i not in rows or not rows[i].active for i in ids):
        raise validation_error({"co_deputy_ids": "附议代表不存在或已停用"})
    return [rows[i] for i in ids]


def _text(value: str | None, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise validation_error({field: f"请填写{label}"})
    if len(value) > limit:
        raise validation_error({field: f"{label}不能超过{limit}字"})
    return value


def draft(
    lead: Deputy,
    title: str,
    content: str,
    message_ids,
    co_deputy_ids=(),
    *,
    actor: str = DEPUTY,
    actor_id: int | None = None,
) -> Suggestion:
    """A new draft led by `lead`; a deputy may link only the items they are accountable for
    (staff drafting for a deputy may link any)."""
    title = _text(title, "title", "建议标题", 100)
    content = _text(content, "content", "建议内容", 5000)
    items = _items(message_ids, lead if actor == DEPUTY else None)
    co = _co_deputies(co_deputy_ids, lead)
    now = utcnow()
    row = Suggestion(
        title=title,
        content=content,
        status="draft",
        lead_deputy_id=lead.id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    row.deputies.append(SuggestionDeputy(deputy_id=lead.id, role=LEAD, confirmed_at=now))
    for deputy in co:
        row.deputies.append(SuggestionDeputy(deputy_id=deputy.id, role=CO))
    for message in items:
        row.links.append(SuggestionItem(message_id=message.id))
    db.session.add(row)
    db.session.flush()
    _log(row, "created", actor, actor_id if actor_id is not None else lead.id, items=len(items))
    for deputy in co:
        invite_co_deputy(row, deputy, lead)
    return row


def invite_co_deputy(row: Suggestion, deputy: Deputy, lead: Deputy) -> Written | None:
    """Ask a 附议 deputy on WeChat to confirm (once per suggestion and deputy); without a bound
    WeChat the invitation waits on their suggestions page."""
    if deputy.citizen_id is None:
        return None
    return write_notice(
        "co_invite",
        f"co-invite-{row.id}-{deputy.id}",
        deputy.citizen_id,
        {"tracking_no": "", "summary": row.title, "created_at": row.created_at,
         "note": f"{lead.name}代表邀请您附议，请确认"},
        deputy_id=deputy.id,
    )  # fmt: skip


def for_deputy(deputy_id: int, suggestion_id: int) -> tuple[Suggestion, SuggestionDeputy]:
    """A suggestion this deputy leads or is asked to 附议; anyone else's is 404."""
    row = db.session.get(Suggestion, suggestion_id)
    mine = next((d for d in row.deputies if d.deputy_id == deputy_id), None) if row else None
    if mine is None:
        raise not_found("找不到这条建议")
    return row, mine


def _lead_only(row: Suggestion, deputy_id: int) -> None:
    if row.lead_deputy_id != deputy_id:
        raise ApiError(403, "not_lead", "只有领衔代表可以进行此操作")


def co_answer(row: Suggestion, deputy_id: int, confirm: bool) -> SuggestionDeputy:
    """附议: the co-deputy confirms (or declines) in the mini-program; only they can."""
    mine = next((d for d in row.co_deputies if d.deputy_id == deputy_id), None)
    if mine is None:
        raise ApiError(403, "not_co_deputy", "您不是这条建议的附议代表")
    check(row, "co_confirm" if confirm else "co_decline", DEPUTY)
    if mine.state != "pending":
        raise ApiError(409, "already_answered", "您已确认过是否附议")
    now = utcnow()
    if confirm:
        mine.confirmed_at = now
    else:
        mine.declined_at = now
    move(row, "co_confirm" if confirm else "co_decline", DEPUTY, deputy_id)
    return mine


def submit(row: Suggestion, actor: str, actor_id: int | None) -> list[Written | None]:
    """提交: every 附议 deputy has answered (a declined one is simply not listed); the citizens of
    the linked items are told, once, that their voice went into a suggestion."""
    if actor == DEPUTY:
        _lead_only(row, actor_id)
    check(row, "submit", actor)
    pending = [d.deputy.name for d in row.co_deputies if d.state == "pending"]
    if pending:
        raise ApiError(
            409, "co_pending", f"还有附议代表未确认：{'、'.join(pending)}，确认后才能提交"
        )
    now = utcnow()
    move(row, "submit", actor, actor_id, values={"submitted_at": now})
    return tell_citizens(row, actor, actor_id)


SUGGESTED_TEXT = "您反映的问题已纳入代表建议"


def tell_citizens(row: Suggestion, actor: str, actor_id: int | None) -> list[Written | None]:
    """One notice per citizen and one thread entry per item, whatever happens to the draft
    later (resubmitted after review: the dedupe key and the event check say "already told")."""
    out = []
    told: set[int] = set()
    lead = row.lead_deputy.name
    for link in row.links:
        message = link.message
        seen = db.session.scalar(
            select(func.count())
            .select_from(SuggestionEvent)
            .where(
                SuggestionEvent.suggestion_id == row.id,
                SuggestionEvent.kind == "told",
                SuggestionEvent.data["message_id"].as_integer() == message.id,
            )
        )
        if seen:
            continue
        record(
            "suggested", message.id, actor, actor_id, suggestion_id=row.id, deputy=lead,
            title=row.title,
        )  # fmt: skip
        _log(row, "told", SYSTEM, None, message_id=message.id)
        if message.citizen_id is None or message.citizen_id in told:
            continue
        told.add(message.citizen_id)
        out.append(
            queue_notice(
                "suggested",
                f"suggested-{row.id}-c{message.citizen_id}",
                message,
                message.citizen_id,
                reply=SUGGESTED_TEXT,
                replied_at=utcnow(),
            )
        )
    return out


# -- staff: review, number, 交办 --------------------------------------------------------------


def review_return(row: Suggestion, staff_id: int, remarks: str) -> None:
    remarks = _text(remarks, "remarks", "审查意见", 1000)
    move(row, "review_return", STAFF, staff_id, values={"review_remarks": remarks},
         remarks=remarks)  # fmt: skip


def next_seq(year: int) -> int:
    return (db.session.scalar(select(func.max(Suggestion.seq)).where(Suggestion.year == year))
            or 0) + 1  # fmt: skip


def accept(row: Suggestion, staff_id: int) -> str:
    """规范性审查 passed: the number 〔year〕第 NNNN 号 (a sequence per year; the unique
    (year, seq) index refuses a second holder of one number)."""
    check(row, "accept", STAFF)
    year = local_today().year
    seq = next_seq(year)
    try:
        with db.session.begin_nested():
            move(row, "accept", STAFF, staff_id,
                 values={"year": year, "seq": seq, "accepted_at": utcnow(),
                         "review_remarks": ""},
                 number=f"〔{year}〕第 {seq:04d} 号")  # fmt: skip
            record_deputies(row, staff_id)
    except IntegrityError:
        # Another clerk took this number at the same moment: nothing of this move was kept.
        raise ApiError(409, "number_taken", "编号刚刚被另一条建议占用，请重试") from None
    return row.number


def record_deputies(row: Suggestion, staff_id: int | None) -> None:
    """履职积分 reads the shared `events` table, not SuggestionEvent: the 领衔 deputy and every
    附议 deputy who confirmed are credited when staff accept (number) the suggestion — the
    moment it becomes a suggestion of record. Unconfirmed or declined 附议 earn nothing."""
    common = {"suggestion_id": row.id, "title": row.title}
    record("suggestion.led", None, STAFF, staff_id, deputy_id=row.lead_deputy_id, **common)
    for co in row.co_deputies:
        if co.confirmed_at is not None:
            record("suggestion.seconded", None, STAFF, staff_id, deputy_id=co.deputy_id, **common)


def _unit(unit_id, field: str) -> Unit:
    unit = db.session.get(Unit, unit_id) if _id_ok(unit_id) else None
    if unit is None or not unit.active:
        raise validation_error({field: "承办单位不存在或已停用"}, "请选择有效的承办单位")
    return unit


def assign(
    row: Suggestion,
    staff_id: int,
    lead_unit_id: int,
    co_unit_ids=(),
    *,
    days: int | None = None,
    priority: bool = False,
) -> None:
    """交办: one 主办 unit, any 协办 units, a deadline in working days (SUGGESTION_ANSWER_WORKDAYS
    unless staff give one)."""
    check(row, "assign", STAFF)
    lead = _unit(lead_unit_id, "unit_id")
    co_ids = list(dict.fromkeys(co_unit_ids or ()))
    if len(co_ids) > MAX_CO_UNITS:
        raise validation_error({"co_unit_ids": f"协办单位最多 {MAX_CO_UNITS} 个"})
    co = []
    for co_id in co_ids:
        if co_id == lead.id:
            raise validation_error({"co_unit_ids": "协办单位不能与主办单位相同"})
        co.append(_unit(co_id, "co_unit_ids"))
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_DAYS):  # fmt: skip
        raise validation_error({"days": f"办理时限应为 1 至 {MAX_DAYS} 个工作日"})
    config, calendar, now = current_app.config, workdays.current(), utcnow()
    due = calendar.add_working_days(now, days or config["SUGGESTION_ANSWER_WORKDAYS"])
    sign_due = calendar.add_working_days(now, config["SUGGESTION_SIGN_WORKDAYS"])
    row.units.append(SuggestionUnit(unit_id=lead.id, role=LEAD))
    for unit in co:
        row.units.append(SuggestionUnit(unit_id=unit.id, role=CO))
    move(row, "assign", STAFF, staff_id,
         values={"assigned_at": now, "due_at": due, "first_due_at": due, "sign_due_at": sign_due,
                 "priority": bool(priority)},
         unit=lead.name, co_units=[u.name for u in co], due_at=iso(due),
         priority=bool(priority))  # fmt: skip


def set_priority(row: Suggestion, staff_id: int, on: bool) -> None:
    move(row, "priority", STAFF, staff_id, values={"priority": bool(on)}, on=bool(on))


def close(row: Suggestion, actor: str, actor_id: int | None = None) -> None:
    move(row, "close", actor, actor_id, values={"closed_at": utcnow()})


# -- the unit's side ------------------------------------------------------------------------


def for_unit(unit_id: int, suggestion_id: int) -> tuple[Suggestion, SuggestionUnit]:
    """A suggestion handed to this unit (主办 or 协办); another's, or none, is 404."""
    row = db.session.get(Suggestion, suggestion_id)
    mine = next((u for u in row.units if u.unit_id == unit_id), None) if row else None
    if mine is None:
        raise not_found("找不到这条交办的建议")
    return row, mine


def _lead_unit(mine: SuggestionUnit) -> None:
    if mine.role != LEAD:
        raise ApiError(403, "not_lead_unit", "只有主办单位可以进行此操作，协办单位请提交协办意见")


def sign(row: Suggestion, mine: SuggestionUnit) -> None:
    _lead_unit(mine)
    move(row, "sign", UNIT, mine.unit_id, values={"signed_at": utcnow()})


def add_meeting(row: Suggestion, mine: SuggestionUnit, held_on: date, form: str, summary: str):
    _lead_unit(mine)
    check(row, "meeting", UNIT)
    if form not in MEETING_FORMS:
        raise validation_error({"form": "面商形式应为 visit、meeting、phone 或 online"})
    summary = _text(summary, "summary", "面商情况", 1000)
    if held_on > local_today():
        raise validation_error({"date": "面商日期不能晚于今天"})
    if row.assigned_at and held_on < local_today(row.assigned_at):
        raise validation_error({"date": "面商日期不能早于建议交办的日期"})
    meeting = SuggestionMeeting(suggestion_id=row.id, held_on=held_on, form=form, summary=summary)
    db.session.add(meeting)
    db.session.flush()
    move(row, "meeting", UNIT, mine.unit_id, date=held_on.isoformat(), form=form)
    return meeting


def interim(row: Suggestion, mine: SuggestionUnit, content: str) -> None:
    _lead_unit(mine)
    content = _text(content, "content", "阶段性答复", 5000)
    move(row, "interim", UNIT, mine.unit_id, values={"interim_answer": content,
                                                     "interim_at": utcnow()})  # fmt: skip


def co_opinion(row: Suggestion, mine: SuggestionUnit, opinion: str) -> None:
    if mine.role != CO:
        raise ApiError(403, "not_co_unit", "协办意见由协办单位提交")
    opinion = _text(opinion, "opinion", "协办意见", 5000)
    check(row, "co_opinion", UNIT)
    mine.opinion, mine.opinion_at = opinion, utcnow()
    move(row, "co_opinion", UNIT, mine.unit_id)


def answer(
    row: Suggestion,
    mine: SuggestionUnit,
    content: str,
    grade: str,
    *,
    document_id: str | None = None,
    promised_on: date | None = None,
) -> None:
    """The final answer (A / B / C) with its document; B needs the date the unit promised (回头看
    then). A second answer after 不满意 is the same step from `reanswer`."""
    _lead_unit(mine)
    check(row, "answer", UNIT)
    content = _text(content, "content", "答复内容", 10000)
    if grade not in GRADES:
        raise validation_error({"grade": "答复类别应为 A、B 或 C"})
    if grade == "B":
        if promised_on is None:
            raise validation_error({"promised_date": "B 类答复请填写承诺解决的日期"})
        if promised_on <= local_today():
            raise validation_error({"promised_date": "承诺解决的日期应晚于今天"})
    elif promised_on is not None:
        promised_on = None  # only B promises something to check again
    document = None
    if document_id is not None:
        document = db.session.get(SuggestionDocument, document_id) if isinstance(
            document_id, str) else None  # fmt: skip
        if document is None or document.suggestion_id != row.id or document.unit_id != mine.unit_id:
            raise validation_error({"document_id": "答复文件不存在，请重新上传"})
    config, calendar, now = current_app.config, workdays.current(), utcnow()
    closes = calendar.add_working_days(now, config["SUGGESTION_EVALUATION_WORKDAYS"])
    move(row, "answer", UNIT, mine.unit_id,
         values={"answer": content, "grade": grade, "answered_at": now,
                 "first_answered_at": row.first_answered_at or now,
                 "signed_at": row.signed_at or now, "promised_on": promised_on,
                 "document_id": document.id if document else row.document_id,
                 "evaluation_closes_at": closes},
         grade=grade, round=row.round)  # fmt: skip
    # For 履职积分: the grade of this answer, credited to the 领衔 deputy (a second answer after
    # 不满意 supersedes the first one's grade, see server/performance/points.py).
    record("suggestion.answered", None, UNIT, mine.unit_id, deputy_id=row.lead_deputy_id,
           suggestion_id=row.id, title=row.title, grade=grade, round=row.round)  # fmt: skip


def check_answerable(row: Suggestion) -> None:
    """409 before a document is stored for a suggestion the unit can no longer answer."""
    check(row, "answer", UNIT)


def lookback_report(row: Suggestion, mine: SuggestionUnit, content: str) -> None:
    _lead_unit(mine)
    content = _text(content, "content", "回头看情况", 5000)
    move(row, "lookback_report", UNIT, mine.unit_id, values={"lookback_report": content})


def ratings_visible_to_unit(row: Suggestion) -> bool:
    """背靠背: the unit sees the evaluation only once the evaluation period has closed (the sweep
    closes it SUGGESTION_EVALUATION_WORKDAYS after the answer, or staff do)."""
    return row.status in ("closed", "lookback")


# -- the 领衔 deputy's evaluation --------------------------------------------------------------

COMMUNICATION = {"good": "沟通充分", "fair": "有沟通", "none": "未沟通"}


def evaluate(
    row: Suggestion, deputy_id: int, score: str, comment: str = "", communication: str | None = None
) -> SuggestionEvaluation:
    """满意 / 基本满意 end the round; 不满意 sends it back to the unit for a second answer with
    SUGGESTION_SECOND_ANSWER_WORKDAYS (once: a second 不满意 is recorded, and staff close it)."""
    _lead_only(row, deputy_id)
    if score not in SCORES:
        raise validation_error({"score": "评价应为 satisfied、basically_satisfied 或 unsatisfied"})
    if communication is not None and communication not in COMMUNICATION:
        raise validation_error({"communication": "沟通情况应为 good、fair 或 none"})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise validation_error({"comment": "评价意见不能超过500字"})
    again = score == "unsatisfied" and row.round == 1
    check(row, "evaluate_unsatisfied" if again else "evaluate", DEPUTY)
    rating = SuggestionEvaluation(
        suggestion_id=row.id, deputy_id=deputy_id, round=row.round, score=score,
        communication=communication, comment=comment, created_at=utcnow(),
    )  # fmt: skip
    db.session.add(rating)
    db.session.flush()
    if again:
        due = workdays.current().add_working_days(
            utcnow(), current_app.config["SUGGESTION_SECOND_ANSWER_WORKDAYS"]
        )
        move(row, "evaluate_unsatisfied", DEPUTY, deputy_id,
             values={"round": 2, "due_at": due, "evaluation_closes_at": None},
             due_at=iso(due))  # fmt: skip
    else:
        move(row, "evaluate", DEPUTY, deputy_id, round=row.round)
    return rating


# -- the sweep ------------------------------------------------------------------------------


def escalate(now: datetime) -> int:
    """三色 and escalation for suggestions with a unit: one working day before the answer's
    deadline the unit is reminded; past the sign or answer deadline the unit and the 代表工委
    are told. Each notice once per round (its dedupe key is the claim)."""
    calendar = workdays.current()
    posted = 0
    rows = db.session.scalars(
        select(Suggestion).where(Suggestion.status.in_(("assigned", "signed", "reanswer")))
    ).all()
    for row in rows:
        lead = row.lead_unit
        if lead is None:
            continue
        name = row.number or row.title
        notes: list[tuple[str, str, str]] = []
        if row.status == "assigned" and row.sign_due_at and now >= row.sign_due_at:
            text = f"代表建议{name}已超过签收期限，请尽快签收"
            notes += [
                (f"sugg-sign-{row.id}", "unit", text),
                (f"sugg-sign-{row.id}-c", "committee", text),
            ]
        if row.due_at and now >= row.due_at:
            text = f"代表建议{name}已超过答复期限（{lead.unit.name}）"
            key = f"sugg-overdue-{row.id}-r{row.round}"
            notes += [(key, "unit", text), (key + "-c", "committee", text)]
        elif row.due_at and calendar.working_days_left(now, row.due_at) <= 1:
            notes.append((f"sugg-due-{row.id}-r{row.round}", "unit",
                          f"代表建议{name}即将到期，请于期限内答复"))  # fmt: skip
        for key, audience, text in notes:
            posted += board.post(
                key, audience, text, kind="escalated",
                unit_id=lead.unit_id if audience == "unit" else None,
            )  # fmt: skip
    db.session.commit()
    return posted


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Close the evaluations whose period ended; 回头看 for grade-B promises that fell due; the
    deadlines' reminders and escalation. Safe to run twice (each is a conditional move or a
    once-only notice; a lost race is skipped)."""
    now = now or utcnow()
    closed = lookbacks = 0
    due = db.session.scalars(
        select(Suggestion.id).where(
            Suggestion.status.in_(("answered", "evaluated")),
            Suggestion.evaluation_closes_at <= now,
        )
    ).all()
    for sid in due:
        row = db.session.get(Suggestion, sid)
        try:
            close(row, SYSTEM)
            db.session.commit()
            closed += 1
        except ApiError:
            db.session.rollback()
    today = local_today(now)
    promised = db.session.scalars(
        select(Suggestion.id).where(
            Suggestion.status == "closed",
            Suggestion.grade == "B",
            Suggestion.promised_on <= today,
            Suggestion.lookback_at.is_(None),
        )
    ).all()
    for sid in promised:
        row = db.session.get(Suggestion, sid)
        try:
            move(row, "lookback", SYSTEM, None, values={"lookback_at": now},
                 promised_on=row.promised_on.isoformat())  # fmt: skip
            db.session.commit()
            lookbacks += 1
        except ApiError:
            db.session.rollback()
    return {"closed": closed, "lookback": lookbacks, "escalated": escalate(now)}
