"""Photo uploads: only real images, size-capped, re-encoded so no metadata (GPS!) survives."""

from __future__ import annotations

import io
import os
import uuid
import warnings

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import ApiError
from server.extensions import db
from server.models import Upload

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Pillow opens a JPEG with a multi-picture index (phones' portrait and depth shots) as "MPO":
# still a JPEG file; its first picture is the photo.
JPEG_VARIANTS = {"MPO"}
# The only decoders Pillow may even try: never EPS (Ghostscript), TIFF, PSD and the rest.
DECODERS = [*ALLOWED_FORMATS]
MAX_SIDE = 2560  # plenty for a pothole; keeps storage and the deputy's data plan small
URL_MAX_AGE = 24 * 3600


def _unsupported() -> ApiError:
    return ApiError(415, "unsupported_image", "只支持 JPG、PNG、WebP 格式的图片")


def _too_many_pixels() -> ApiError:
    return ApiError(413, "image_too_large", "图片像素过大，请压缩后再上传")


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode, refusing non-images and decompression bombs.

    The pixel count is checked from the header, before any pixel is decoded: a PNG, JPEG or
    WebP of a few KB may claim 60,000 × 60,000 pixels (gigabytes once decoded)."""
    limit = current_app.config["MAX_IMAGE_PIXELS"]
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=DECODERS)
            if image.format not in ALLOWED_FORMATS and image.format not in JPEG_VARIANTS:
                raise _unsupported()
            # Our own check too: the warning filter above is process-wide state that another
            # thread's catch_warnings() may be restoring at this very moment.
            if image.width * image.height > limit:
                raise _too_many_pixels()
            image.load()
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _unsupported() from None
    return image


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


def store_upload(file_storage, citizen_id: int) -> Upload:
    if file_storage is None:
        raise ApiError(400, "no_file", "请选择要上传的图片（字段名 file）")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"图片不能超过 {limit // (1024 * 1024)} MB")
    if not data:
        raise ApiError(400, "empty_file", "上传的文件是空的")
    image = _decode(data)
    payload, content_type, clean = _reencode(image)
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
    db.session.commit()
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
