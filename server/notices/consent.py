"""Subscribe-message consent credits, per citizen and template.

One-time templates (一次性订阅): every accept is one credit, every notice spends one. Long-term
templates (长期订阅, for public-service mini-programs): accepted until turned off; no counting.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, case, update

from server.models import ConsentCredit
from server.platform.clock import utcnow
from server.platform.db import db, dialect_insert, execute

# The most one-time credits kept per citizen and template. Each accept is one message; a person
# has rarely more than a few items waiting for an answer, and beyond this many a report of taps
# is not taps. A credit we do not count costs a notice at most (the reply is in the
# mini-program), one we count that WeChat does not have costs nothing (43101, revoked).
MAX_CREDITS = 10


_credits = ConsentCredit.__table__
_SPEND = (
    update(_credits)
    .where(
        _credits.c.citizen_id == bindparam("_citizen"),
        _credits.c.template_id == bindparam("_template"),
        _credits.c.credits > 0,
    )
    .values(credits=_credits.c.credits - 1, updated_at=bindparam("_now"))
)


def known_templates() -> set[str]:
    templates = current_app.config["WECHAT_TEMPLATES"]
    known = {templates.reply, templates.progress, templates.solved, templates.reception}
    return {templates.new_item, templates.reminder} | {t for t in known if t}


def _upsert(citizen_id: int, template_id: str, values: dict, on_conflict: dict) -> None:
    statement = dialect_insert(ConsentCredit).values(
        citizen_id=citizen_id, template_id=template_id, updated_at=utcnow(), **values
    )
    statement = statement.on_conflict_do_update(
        index_elements=["citizen_id", "template_id"], set_={**on_conflict, "updated_at": utcnow()}
    )
    db.session.execute(statement)


def grant(citizen_id: int, template_id: str) -> None:
    """The citizen tapped 允许 for this template once."""
    if current_app.config["WECHAT_TEMPLATES"].is_long_term(template_id):
        _upsert(citizen_id, template_id, {"credits": 0, "accepted": True}, {"accepted": True})
    else:
        _upsert(
            citizen_id,
            template_id,
            {"credits": 1, "accepted": True},
            {
                "credits": case(
                    (ConsentCredit.credits >= MAX_CREDITS, MAX_CREDITS),
                    else_=ConsentCredit.credits + 1,
                ),
                "accepted": True,
            },
        )


def revoke(citizen_id: int, template_id: str) -> None:
    """The citizen turned notices for this template off (or WeChat said there is no consent)."""
    _upsert(
        citizen_id,
        template_id,
        {"credits": 0, "accepted": False},
        {"credits": 0, "accepted": False},
    )


def spend(citizen_id: int, template_id: str) -> bool:
    """Take one credit before sending; False when there is none. Long-term: always True."""
    if current_app.config["WECHAT_TEMPLATES"].is_long_term(template_id):
        return True
    result = execute(_SPEND, {"_citizen": citizen_id, "_template": template_id, "_now": utcnow()})
    return result.rowcount == 1


def available(citizen_id: int, template_id: str) -> bool:
    """Whether a notice for this template could be sent now (without taking the credit)."""
    if current_app.config["WECHAT_TEMPLATES"].is_long_term(template_id):
        return True
    credits = db.session.scalar(
        db.select(ConsentCredit.credits).where(
            ConsentCredit.citizen_id == citizen_id, ConsentCredit.template_id == template_id
        )
    )
    return bool(credits and credits > 0)


def refund(citizen_id: int, template_id: str) -> None:
    """A notice that was not delivered gives its credit back."""
    if current_app.config["WECHAT_TEMPLATES"].is_long_term(template_id):
        return
    db.session.execute(
        update(ConsentCredit)
        .where(ConsentCredit.citizen_id == citizen_id, ConsentCredit.template_id == template_id)
        .values(credits=ConsentCredit.credits + 1, updated_at=utcnow())
    )


def credits_of(citizen_id: int) -> dict[str, int | str]:
    """Template id -> credits left, or "long_term" for an accepted long-term template."""
    templates = current_app.config["WECHAT_TEMPLATES"]
    rows = db.session.scalars(
        db.select(ConsentCredit).where(ConsentCredit.citizen_id == citizen_id)
    )
    out: dict[str, int | str] = {}
    for row in rows:
        if templates.is_long_term(row.template_id):
            out[row.template_id] = "long_term" if row.accepted else 0
        else:
            out[row.template_id] = row.credits
    return out
