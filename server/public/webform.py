"""The web form outside WeChat (`/q/<scene>` in a phone's own browser) and the secret follow
link (`/t/<token>`): server-rendered, plain HTML forms, no JavaScript needed.

Inside WeChat a plain QR code opens the mini-program (扫普通链接二维码打开小程序) before any page
loads; should WeChat's own browser reach us anyway, it gets the page that says to scan with
WeChat (server/public/landing.py). Guards without a WeChat identity: per-address and per-phone
limits (server/platform/limits.py), a honeypot field, the local content check, and an arithmetic
question once an address has sent WEB_CHALLENGE_AFTER items within the hour.
"""

from __future__ import annotations

import logging
import os

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_limiter.errors import RateLimitExceeded

from server.api.present import scan_view
from server.handling import answers, ratings
from server.intake import web
from server.intake.photos import photo_path, store_upload
from server.intake.scenes import resolve_scene
from server.intake.submission import validate
from server.models import RATING_LABELS, Message
from server.models.lifecycle import MoveRefused
from server.platform.db import db
from server.platform.errors import ApiError
from server.platform.limits import (
    count_web_submission,
    limiter,
    note_web_submission,
    web_pressure,
)

log = logging.getLogger(__name__)
bp = Blueprint("webform", __name__)

HONEYPOT = "website"  # hidden from people by CSS; a bot filling every field fills it too


def in_wechat() -> bool:
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def _private(response: Response) -> Response:
    """Follow links carry their secret in the URL: never cached, never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(scene: str, found, values: dict, errors: dict, status: int = 200):
    question, signed = (None, None)
    if web_pressure() >= current_app.config["WEB_CHALLENGE_AFTER"]:
        question, signed = web.new_challenge()
    html = render_template(
        "public/webform.html",
        view=scan_view(found, scene),
        values=values,
        errors=errors,
        question=question,
        signed=signed,
        honeypot=HONEYPOT,
        max_photos=current_app.config["MAX_PHOTOS"],
        max_chars=current_app.config["CONTENT_MAX_CHARS"],
    )
    return _private(make_response(html, status))


def show_form(scene: str, found):
    return _form_page(scene, found, {}, {})


def _body(scene: str) -> dict:
    form = request.form
    place = (form.get("place") or "").strip()[:200]
    return {
        "scene": scene,
        "category": (form.get("category") or "").strip(),
        "content": (form.get("content") or "").strip(),
        "contact_phone": (form.get("phone") or "").replace(" ", "").replace("-", "") or None,
        "anonymous": form.get("anonymous") == "1",
        "no_publish": form.get("no_publish") == "1",
        "location": {"address": place} if place else {},
    }


@bp.post("/q/<scene>")
def submit(scene: str):
    found = resolve_scene(scene)
    if found is None:
        abort(404)
    values = request.form.to_dict()
    if request.form.get(HONEYPOT):
        log.info("web form: honeypot filled from %s", request.remote_addr)
        return _form_page(scene, found, values, {"form": "提交失败，请刷新页面后重试"}, 400)
    body = _body(scene)
    errors: dict[str, str] = {}
    try:
        validate(body)
    except ApiError as exc:
        errors.update(exc.fields or {"form": exc.message})
    phone = body["contact_phone"]
    if phone and not web.PHONE.fullmatch(phone):
        errors["phone"] = "请填写 11 位手机号，或留空"
    photos = [f for f in request.files.getlist("photos") if f and f.filename]
    if len(photos) > current_app.config["MAX_PHOTOS"]:
        errors["photos"] = f"最多上传{current_app.config['MAX_PHOTOS']}张照片"
    if errors:
        return _form_page(scene, found, values, errors, 422)
    if web_pressure() >= current_app.config["WEB_CHALLENGE_AFTER"] and not web.challenge_passed(
        request.form.get("signed"), request.form.get("answer")
    ):
        errors["answer"] = "请先回答下面的算术题（防止机器批量提交）"
        return _form_page(scene, found, values, errors, 400)
    try:
        count_web_submission(web.phone_key(phone))
    except RateLimitExceeded:
        errors["form"] = "提交太频繁，请稍后再试；急事请直接到联络站或拨打联络站电话"
        return _form_page(scene, found, values, errors, 429)
    return _store(scene, found, body, photos, values)


def _store(scene: str, found, body: dict, photos: list, values: dict):
    """The visitor's citizen, photos and item in one transaction: all of it, or nothing."""
    written: list[str] = []
    try:
        citizen = web.web_citizen()
        uploads = [store_upload(photo, citizen.id, commit=False) for photo in photos]
        written = [photo_path(upload) for upload in uploads]
        body["photos"] = [upload.id for upload in uploads]
        created, token = web.submit(citizen, body)
    except ApiError as exc:
        db.session.rollback()
        for path in written:
            _remove(path)
        errors = exc.fields or {"form": exc.message}
        return _form_page(scene, found, values, errors, exc.status)
    note_web_submission()
    html = render_template(
        "public/web_done.html",
        tracking_no=created.tracking_no,
        follow_url=web.follow_url(token),
    )
    return _private(make_response(html, 201))


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


# -- the follow link -------------------------------------------------------------------------


def _message(token: str) -> Message:
    message = web.message_for_token(token)
    if message is None:
        # The same plain 404 for a malformed, wrong or unknown token: nothing says whether an
        # item exists.
        abort(404)
    return message


def _follow_page(token: str, message: Message, error: str | None = None, status: int = 200):
    html = render_template(
        "public/follow.html",
        view=web.follow_view(message),
        token=token,
        error=error,
        ratings=RATING_LABELS,
        max_chars=current_app.config["CONTENT_MAX_CHARS"],
    )
    return _private(make_response(html, status))


@bp.get("/t/<token>")
def follow(token: str):
    return _follow_page(token, _message(token))


@bp.post("/t/<token>/followup")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_WRITE_CITIZEN"], scope="web_write")
def follow_up(token: str):
    message = _message(token)
    content = (request.form.get("content") or "").strip()
    if not content:
        return _follow_page(token, message, "请填写追问内容", 422)
    if len(content) > current_app.config["CONTENT_MAX_CHARS"]:
        return _follow_page(token, message, "内容太长，请精简后再提交", 422)
    try:
        answers.follow_up(message, content, message.citizen_id)
    except MoveRefused as exc:
        db.session.rollback()
        return _follow_page(token, message, str(exc) or "现在不能追问", 409)
    db.session.commit()
    return _private(redirect(f"/t/{token}", 303))


@bp.post("/t/<token>/rating")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_WRITE_CITIZEN"], scope="web_write")
def rate(token: str):
    message = _message(token)
    score = request.form.get("score")
    if score not in RATING_LABELS:
        return _follow_page(token, message, "请选择满意、基本满意或不满意", 422)
    comment = (request.form.get("comment") or "").strip()[:500] or None
    try:
        ratings.rate(message, message.citizen_id, score, comment)
    except ratings.NotRatable as exc:
        db.session.rollback()
        return _follow_page(token, message, str(exc), 409)
    db.session.commit()
    return _private(redirect(f"/t/{token}", 303))
