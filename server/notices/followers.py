"""Who follows the official account, from its follow/unfollow pushes, joined to the
mini-program's citizens by unionid."""

from __future__ import annotations

from server.models import Citizen, OfficialFollower
from server.platform.clock import utcnow
from server.platform.db import db, dialect_insert


def oa_openid_of(citizen_id: int) -> str | None:
    """The official-account openid of a citizen who follows it now, by their unionid."""
    return db.session.scalar(
        db.select(OfficialFollower.oa_openid)
        .join(Citizen, Citizen.unionid == OfficialFollower.unionid)
        .where(Citizen.id == citizen_id, OfficialFollower.follows.is_(True))
        .order_by(OfficialFollower.updated_at.desc())
        .limit(1)
    )


def record_follow(oa_openid: str, follows: bool, unionid: str | None) -> None:
    """A follow or unfollow, in the caller's transaction. A known unionid is kept when WeChat
    could not be asked for it this time."""
    values = {"follows": follows, "updated_at": utcnow()}
    update = dict(values)
    if unionid:
        update["unionid"] = unionid
    statement = dialect_insert(OfficialFollower).values(
        oa_openid=oa_openid, unionid=unionid, **values
    )
    db.session.execute(statement.on_conflict_do_update(index_elements=["oa_openid"], set_=update))


def unfollowed(oa_openid: str) -> None:
    """WeChat said 43004: the person no longer follows (the push may have been lost)."""
    db.session.execute(
        db.update(OfficialFollower)
        .where(OfficialFollower.oa_openid == oa_openid)
        .values(follows=False, updated_at=utcnow())
    )
