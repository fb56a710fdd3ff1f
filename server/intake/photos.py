"""Photo uploads: only real images, size-capped, re-encoded so no metadata (GPS!) survives.

Decoding is the expensive part, so it is bounded four ways: the header's pixel count (and its
plausibility for the file's size), JPEG decoded at reduced scale, a few decodes at a time per
process, and a daily pixel budget per identity and per address."""

from __future__ import annotations

import io
import logging
import os
import threading
import uuid
import warnings

import redis
from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError

from server.models import Upload
from server.platform.clock import local_today
from server.platform.db import db
from server.platform.errors import ApiError
from server.platform.redis import get_redis

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Pillow opens a JPEG with a multi-picture index (phones' portrait and depth shots) as "MPO":
# still a JPEG file; its first picture is the photo.
JPEG_VARIANTS = {"MPO"}
# The only decoders Pillow may even try: never EPS (Ghostscript), TIFF, PSD and the rest.
DECODERS = [*ALLOWED_FORMATS]
MAX_SIDE = 2560  # plenty for a pothole; keeps storage and the deputy's data plan small
URL_MAX_AGE = 24 * 3600


# A photo is at most a few dozen pixels per byte of file, even a flat wall or a screenshot; a
# bomb (a 113 KB PNG of 39.7 megapixels) is hundreds. Small images are cheap whatever they hold.
MAX_PIXELS_PER_BYTE = 100
RATIO_CHECK_ABOVE = 4_000_000

log = logging.getLogger(__name__)
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _unsupported() -> ApiError:
    return ApiError(415, "unsupported_image", "只支持 JPG、PNG、WebP 格式的图片")


def _too_many_pixels() -> ApiError:
    return ApiError(413, "image_too_large", "图片像素过大，请压缩后再上传")


def _open(data: bytes) -> Image.Image:
    """Read the header only, and refuse what would cost too much to decode.

    The pixel count comes from the header, before any pixel is decoded: a PNG, JPEG or WebP of
    a few KB may claim 60,000 × 60,000 pixels (gigabytes once decoded), or 40 megapixels of
    nothing (a second of CPU and 160 MB each, two dozen of them stalled the web workers)."""
    limit = current_app.config["MAX_IMAGE_PIXELS"]
    Image.MAX_IMAGE_PIXELS = limit
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=DECODERS)
    if image.format not in ALLOWED_FORMATS and image.format not in JPEG_VARIANTS:
        raise _unsupported()
    # Our own check too: the warning filter above is process-wide state that another
    # thread's catch_warnings() may be restoring at this very moment.
    pixels = image.width * image.height
    if pixels > limit:
        raise _too_many_pixels()
    if pixels > RATIO_CHECK_ABOVE and pixels > len(data) * MAX_PIXELS_PER_BYTE:
        raise ApiError(
            422,
            "implausible_image",
            "这张图片的像素数与文件大小不符（可能是特制的图片），请换一张照片",
        )
    if image.format == "JPEG" or image.format in JPEG_VARIANTS:
        # libjpeg scales by 1/2, 1/4 or 1/8 while decoding: a 48-megapixel photo is decoded
        # straight to the size we keep, never in full.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
    return image


def _decode(image: Image.Image) -> Image.Image:
    """Decode the pixels; PNG and WebP have no draft mode, so they are reduced by a whole
    factor at once, before any copy or conversion of the full-size image."""
    image.load()
    factor = max(image.size) // MAX_SIDE
    if factor >= 2 and image.format not in ("JPEG", *JPEG_VARIANTS):
        image = image.reduce(factor)
    return image


def _slot() -> threading.BoundedSemaphore:
    """Decodes running at once in this process (IMAGE_DECODE_SLOTS): the rest wait their turn,
    so a burst of big images costs time, not all the memory and every CPU the requests share."""
    slots = current_app.config["IMAGE_DECODE_SLOTS"]
    with _slots_lock:
        if slots not in _slots:
            _slots[slots] = threading.BoundedSemaphore(slots)
        return _slots[slots]


def _busy() -> ApiError:
    return ApiError(
        429, "server_busy", "同时上传的图片较多，请稍后再试", headers={"Retry-After": "5"}
    )


def _budget_keys(citizen_id: int) -> list[tuple[str, int]]:
    config = current_app.config
    day = local_today().isoformat()
    prefix = f"{config['KEY_PREFIX']}:pixels:{day}"
    return [
        (f"{prefix}:c:{citizen_id}", config["UPLOAD_PIXELS_CITIZEN_DAY"]),
        (f"{prefix}:ip:{request.remote_addr or '-'}", config["UPLOAD_PIXELS_IP_DAY"]),
    ]


def _charge(citizen_id: int, pixels: int) -> None:
    """Count the pixels about to be decoded against today's budget of the identity and of the
    address (Beijing days); over either, refused and not counted. Without Redis the budget
    is skipped: the other checks still hold, and uploads must not stop."""
    keys = _budget_keys(citizen_id)
    try:
        pipe = get_redis().pipeline()
        for key, _ in keys:
            pipe.incrby(key, pixels)
            pipe.expire(key, 2 * 24 * 3600)
        totals = pipe.execute()[::2]
        if all(total <= budget for total, (_, budget) in zip(totals, keys, strict=True)):
            return
        pipe = get_redis().pipeline()
        for key, _ in keys:
            pipe.decrby(key, pixels)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("upload pixel budget skipped: redis unavailable (%s)", exc)
        return
    raise ApiError(
        429,
        "pixel_budget_exceeded",
        "今天上传的图片已经很多了，请明天再上传，或先提交文字",
        headers={"Retry-After": "3600"},
    )


def _reencode(image: Image.Image) -> tuple[bytes, str, Image.Image]:
    """Apply EXIF orientation, shrink if huge, and copy only the pixels into a new image, so
    no metadata block (EXIF with GPS, XMP, ICC, text chunks) can survive."""
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", clean
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg", clean


def _process(data: bytes, citizen_id: int) -> tuple[bytes, str, Image.Image]:
    try:
        image = _open(data)
        _charge(citizen_id, image.width * image.height)  # after draft(): what is decoded
        slot = _slot()
        if not slot.acquire(timeout=current_app.config["IMAGE_DECODE_WAIT_SECONDS"]):
            raise _busy()
        try:
            return _reencode(_decode(image))
        finally:
            slot.release()
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _unsupported() from None


def store_upload(file_storage, citizen_id: int, commit: bool = True) -> Upload:
    """Re-encode and store one photo. `commit=False`: in the caller's transaction (the web
    form stores its photos with the item, all or nothing)."""
    if file_storage is None:
        raise ApiError(400, "no_file", "请选择要上传的图片（字段名 file）")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"图片不能超过 {limit // (1024 * 1024)} MB")
    if not data:
        raise ApiError(400, "empty_file", "上传的文件是空的")
    payload, content_type, clean = _process(data, citizen_id)
    ext = "png" if content_type == "image/png" else "jpg"
    upload_id = uuid.uuid4().hex
    relative = os.path.join(upload_id[:2], f"{upload_id}.{ext}")
    target = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(payload)
    upload = Upload(
        id=upload_id,
        citizen_id=citizen_id,
        path=relative,
        content_type=content_type,
        size=len(payload),
        width=clean.width,
        height=clean.height,
    )
    db.session.add(upload)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return upload


def _url_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="photo-url")


def photo_url(upload: Upload) -> str:
    """A signed, expiring URL: <image src> in the mini-program can't send a bearer token."""
    signature = _url_signer().dumps(upload.id)
    return f"/api/v1/uploads/{upload.id}?sig={signature}"


def check_photo_signature(upload_id: str, signature: str) -> bool:
    try:
        return _url_signer().loads(signature, max_age=URL_MAX_AGE) == upload_id
    except (BadSignature, SignatureExpired):
        return False


def photo_path(upload: Upload) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], upload.path)
