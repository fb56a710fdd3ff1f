"""The public codes in QR scenes (s.<code>, d.<code>): typed by staff or drawn at random."""

from __future__ import annotations

import re

from server.intake import scenes
from server.models.common import random_code
from server.platform.db import db
from server.routing import duty

# What resolve_scene accepts: lower-case letters and digits, 4 to 16 of them.
CODE = re.compile(r"^[a-z0-9]{4,16}$")


def check_code(model, value: str, current_id: int | None) -> str | None:
    """Chinese error for a code that can't be used, else None."""
    if not CODE.match(value):
        return "编码只能是 4 到 16 位小写字母或数字"
    holder = db.session.scalar(db.select(model).where(model.code == value))
    if holder is not None and holder.id != current_id:
        return f"编码“{value}”已被“{holder.name}”使用，请换一个，或留空自动生成"
    return None


def fresh_code(model) -> str:
    while True:
        code = random_code()
        if not db.session.scalar(db.select(model.id).where(model.code == code)):
            return code


def scenes_changed() -> None:
    """After a commit that changed a code, a name, an active flag, a membership or a roster:
    this process forgets its cached scene lookups and routing's reference data at once (other
    processes within the caches' TTL)."""
    scenes.clear()
    duty.clear()
