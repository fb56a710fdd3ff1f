"""The answer document of a suggestion: only a real PDF (pypdf must read its pages, not merely
find "%PDF" in front), size-capped, stored under UPLOAD_DIR as photos are."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

from flask import current_app
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from server.models import SuggestionDocument
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError

MAX_PAGES = 500


def not_a_pdf() -> ApiError:
    return ApiError(415, "not_a_pdf", "答复文件只接受 PDF 格式，请上传 PDF 文件")


def _pages(data: bytes) -> int:
    if not data.startswith(b"%PDF-"):
        raise not_a_pdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ApiError(422, "encrypted_pdf", "答复文件设有密码，请上传未加密的 PDF")
        pages = len(reader.pages)
    except ApiError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise not_a_pdf() from None
    if pages < 1:
        raise not_a_pdf()
    if pages > MAX_PAGES:
        raise ApiError(413, "pdf_too_long", f"答复文件不能超过 {MAX_PAGES} 页")
    return pages


def store_document(file_storage, suggestion_id: int, unit_id: int) -> SuggestionDocument:
    """Check and store one PDF for `suggestion_id`; the row is added to the caller's
    transaction (the file is written first: a row never points at nothing)."""
    if file_storage is None:
        raise ApiError(400, "no_file", "请选择要上传的答复文件（字段名 file）")
    limit = current_app.config["SUGGESTION_PDF_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"答复文件不能超过 {limit // (1024 * 1024)} MB")
    if not data:
        raise ApiError(400, "empty_file", "上传的文件是空的")
    pages = _pages(data)
    doc_id = uuid.uuid4().hex
    relative = os.path.join("documents", doc_id[:2], f"{doc_id}.pdf")
    target = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(data)
    name = os.path.basename(file_storage.filename or "")[:120] or "答复.pdf"
    row = SuggestionDocument(
        id=doc_id, suggestion_id=suggestion_id, unit_id=unit_id, path=relative, filename=name,
        size=len(data), pages=pages, sha256=hashlib.sha256(data).hexdigest(), created_at=utcnow(),
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def document_path(row: SuggestionDocument) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], row.path)
