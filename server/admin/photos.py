"""The citizen's photos on an item's page: small previews, and the photo itself on a click.

A photo shows a street, a door, sometimes a face: it is served only to staff who may open the
item (404 otherwise, as for the item), never cached by the browser at full size, and every
full-size view is written to the audit log. Previews are made on the fly (JPEG draft decoding
makes that cheap) rather than stored, so the retention sweep has nothing extra to delete; they
are covered by the item's own `item_viewed` row.
"""

from __future__ import annotations

import io
import os

from flask import render_template, request, send_file
from PIL import Image

from server.admin import bp, scope
from server.intake.photos import photo_path
from server.models import Message, Upload
from server.models.audit import audit
from server.platform.db import db

THUMB_SIDE = 240


def _photo_or_404(message: Message, upload_id: str) -> Upload | None:
    upload = next((p for p in message.photos if p.id == upload_id), None)
    if upload is None or not os.path.exists(photo_path(upload)):
        return None
    return upload


def _thumbnail(upload: Upload) -> tuple[bytes, str]:
    with Image.open(photo_path(upload)) as image:
        image.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))  # JPEG: decode at a fraction
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        if image.mode in ("RGBA", "LA", "P"):
            image.save(out, format="PNG")
            return out.getvalue(), "image/png"
        image.convert("RGB").save(out, format="JPEG", quality=80)
        return out.getvalue(), "image/jpeg"


@bp.get("/items/<int:message_id>/photos/<upload_id>")
def item_photo(message_id: int, upload_id: str):
    message = scope.message_or_404(message_id)
    upload = _photo_or_404(message, upload_id)
    if upload is None:
        page = render_template(
            "admin/error.html", code=404, message="照片不存在，或已按保存期限删除"
        )
        return page, 404
    if request.args.get("size") == "thumb":
        data, mimetype = _thumbnail(upload)
        response = send_file(io.BytesIO(data), mimetype=mimetype)
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    number = [p.id for p in message.photos].index(upload.id) + 1
    audit("photo_viewed", f"message:{message.id}", photo=number)
    db.session.commit()
    response = send_file(photo_path(upload), mimetype=upload.content_type)
    # Every look is on record, so the browser must ask again for each one.
    response.headers["Cache-Control"] = "no-store"
    return response
