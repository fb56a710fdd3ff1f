"""The web form outside WeChat: a submission with no WeChat identity, and the secret follow link
that is its only credential.

Whoever submits gets a Citizen of their own with no WeChat behind it (openid `web:<random>`), so
follow-ups, ratings and photos work as they do in the mini-program; the follow link's token
(shown once, stored as its sha256) finds that item again. Notices to such a citizen are recorded
as not notified: there is nobody in WeChat to tell.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.handling import ratings
from server.identity.login import Caller
from server.intake.submission import Created, create_message
from server.models import STATUS_LABELS, Citizen, Message
from server.models.lifecycle import FINISHED
from server.platform.clock import local_text
from server.platform.db import db

WEB_OPENID_PREFIX = "web:"
TOKEN_BYTES = 18  # 24 URL-safe characters: not guessable, short enough to print on a slip
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PHONE = re.compile(r"1[3-9][0-9]{9}")
CHALLENGE_TTL = 1800  # seconds an arithmetic question stays answerable


def new_follow_token() -> tuple[str, str]:
    """(the token for the link, the hash we store)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def follow_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/t/{token}"


def message_for_token(token: str) -> Message | None:
    """The item a follow link opens, or None: a malformed, wrong or unknown token look alike."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    query = db.select(Message).where(Message.follow_token_hash == token_hash(token))
    return db.session.scalar(query)


def phone_key(phone: str | None) -> str | None:
    """What the per-phone limit counts by: a keyed hash, so Redis never holds the number."""
    if not phone:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:32]


def web_citizen() -> Caller:
    """A citizen of the caller's own, without WeChat (flushed in the caller's transaction)."""
    citizen = Citizen(openid=WEB_OPENID_PREFIX + secrets.token_hex(16))
    db.session.add(citizen)
    db.session.flush()
    return Caller(citizen.id, citizen.openid)


def submit(citizen: Caller, body: dict) -> tuple[Created, str]:
    """Store a web-form submission (channel "web") through the same intake as the
    mini-program's; returns it and the follow link's token."""
    token, digest = new_follow_token()
    created = create_message(citizen, body, None, channel="web", follow_token_hash=digest)
    return created, token


# -- the arithmetic question, asked only under pressure -----------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="web-challenge")


def new_challenge() -> tuple[str, str]:
    """("3 + 4 = ?", a signed answer for the form's hidden field)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    return f"{a} + {b} = ?", _signer().dumps({"sum": a + b, "t": int(time.time())})


def challenge_passed(signed: str | None, answer: str | None) -> bool:
    try:
        expected = _signer().loads(signed or "", max_age=CHALLENGE_TTL)["sum"]
    except (BadSignature, KeyError, TypeError):
        return False
    return (answer or "").strip() == str(expected)


# -- what the follow link shows -------------------------------------------------------------------


def _answerer(post) -> str:
    if post.author_kind == "deputy" and post.deputy is not None:
        return f"{post.deputy.name}代表"
    return "联络站"


def follow_view(message: Message) -> dict:
    """The thread as the holder of the follow link sees it (no names of other people, no
    phone, no photos' addresses)."""
    posts = sorted(message.replies, key=lambda r: (r.created_at, r.id))
    return {
        "tracking_no": message.tracking_no,
        "status": message.status,
        "status_label": STATUS_LABELS.get(message.status, message.status),
        "content": message.content,
        "created_at": local_text(message.created_at),
        "thread": [
            {
                "kind": "followup" if post.author_kind == "citizen" else "reply",
                "who": "我" if post.author_kind == "citizen" else _answerer(post),
                "content": post.content,
                "at": local_text(post.created_at),
            }
            for post in posts
        ],
        "can_follow_up": message.status not in FINISHED,
        "can_rate": ratings.ratable(message),
    }
