"""Issue 6, hostile input: what people upload as "a photo".

Only JPEG, PNG and WebP are taken, decided by decoding the bytes (never by the file name or the
declared type), and every accepted photo is re-encoded from its pixels, so nothing but pixels is
stored or served: no script, no trailing payload, no EXIF, GPS, XMP, ICC or text chunk.
"""

from __future__ import annotations

import io
import zipfile

import pytest
import requests
from PIL import Image, ImageCms, PngImagePlugin

from server.intake import photos
from server.models import Upload
from server.platform.db import db
from tests.support.helpers import NO_LIMITS, assert_error

# Where a phone puts the place a photo was taken: 26°35'N 106°42'E.
GPS = {1: "N", 2: (26.0, 35.0, 0.0), 3: "E", 4: (106.0, 42.0, 0.0)}
XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="26,35.0N" exif:GPSLongitude="106,42.0E"/></rdf:RDF></x:xmpmeta>'
    b'<?xpacket end="w"?>'
)
# Byte strings that must never survive in a stored or served photo.
TRACES = [
    b"Exif",
    b"eXIf",
    b"GPS",
    b"xmpmeta",
    b"xpacket",
    b"XML:com.adobe.xmp",
    b"PhoneMaker",
    b"ICC_PROFILE",
    b"iCCP",
    b"tEXt",
    b"iTXt",
    b"zTXt",
    b"<script",
    b"<html",
    b"PK\x03\x04",
]


def image_bytes(fmt: str, size=(64, 48), mode="RGB", color=(10, 120, 200), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = GPS  # the GPS IFD
    return exif


@pytest.fixture
def token(live) -> str:
    live.app.config.update(NO_LIMITS)
    return live.citizen()[1]


def upload(
    live, token: str, data: bytes, name: str = "photo.jpg", mime: str = "image/jpeg"
) -> requests.Response:
    return live.api("POST", "/uploads", token, files={"file": (name, data, mime)})


def upload_count(live) -> int:
    with live.app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Upload))
        db.session.remove()
    return count


def stored(live, upload_id: str) -> tuple[bytes, str, str]:
    """The stored file, its recorded content type and the signed URL it is served at."""
    with live.app.app_context():
        row = db.session.get(Upload, upload_id)
        with open(photos.photo_path(row), "rb") as fh:
            data = fh.read()
        answer = (data, row.content_type, photos.photo_url(row))
        db.session.remove()
    return answer


def assert_only_pixels(data: bytes) -> Image.Image:
    for trace in TRACES:
        assert trace not in data, trace
    image = Image.open(io.BytesIO(data))
    assert image.format in ("JPEG", "PNG")
    assert not image.getexif()
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(image.info)
    return image


def assert_accepted_and_clean(live, token, data: bytes, **kwargs) -> Image.Image:
    answer = upload(live, token, data, **kwargs)
    assert answer.status_code == 201, answer.text
    content, content_type, url = stored(live, answer.json()["upload_id"])
    image = assert_only_pixels(content)
    assert content_type == Image.MIME[image.format]
    served = live.http.get(live.url + url)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.content == content
    return image


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    "data, name, mime",
    [
        (SVG, "photo.svg", "image/svg+xml"),
        (SVG, "photo.png", "image/png"),
        (HTML, "photo.jpg", "image/jpeg"),
        (HTML, "photo.html", "text/html"),
        (b"\x89PNG\r\n\x1a\n" + HTML, "photo.png", "image/png"),  # a PNG signature, then HTML
        (b"\xff\xd8\xff\xe0" + HTML, "photo.jpg", "image/jpeg"),  # a JPEG start, then HTML
        (b"RIFF\x20\x00\x00\x00WEBPVP8 " + HTML, "photo.webp", "image/webp"),
        (b"GIF89a" + HTML, "photo.gif", "image/gif"),
    ],
)
def test_scripts_disguised_as_images_are_refused(live, token, data, name, mime):
    assert_error(upload(live, token, data, name, mime), 415, "unsupported_image")
    assert upload_count(live) == 0


def _animated_gif() -> bytes:
    frames = [Image.new("P", (20, 20), i) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0)
    assert out.getvalue().startswith(b"GIF89a")
    return out.getvalue()


@pytest.mark.parametrize(
    "fmt, data",
    [
        ("GIF89a", _animated_gif()),
        ("BMP", image_bytes("BMP")),
        ("TIFF", image_bytes("TIFF")),
        ("ICO", image_bytes("ICO", size=(32, 32))),
        ("PPM", image_bytes("PPM")),
        ("JPEG 2000", b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 64),
        ("PDF", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"),
    ],
)
def test_formats_other_than_jpeg_png_webp_are_refused(live, token, fmt, data):
    # Named and declared as a JPEG: the decoded bytes decide.
    assert_error(upload(live, token, data), 415, "unsupported_image")
    assert upload_count(live) == 0


def test_a_polyglot_jpeg_loses_its_payload(live, token):
    """A real JPEG followed by HTML and a ZIP archive: it decodes, so it is taken, but what is
    stored and served is our own encoding of its pixels alone."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("evil.html", HTML)
    photo = image_bytes("JPEG", size=(80, 60))
    polyglot = photo + HTML + archive.getvalue()
    assert Image.open(io.BytesIO(polyglot)).size == (80, 60)  # browsers and Pillow both read it
    image = assert_accepted_and_clean(live, token, polyglot)
    assert image.size == (80, 60)


def test_a_png_with_a_payload_after_iend_loses_it(live, token):
    image = assert_accepted_and_clean(
        live, token, image_bytes("PNG") + HTML, name="a.png", mime="image/png"
    )
    assert image.size == (64, 48)


@pytest.mark.parametrize(
    "data, name, mime, stored_as",
    [
        (image_bytes("PNG"), "photo.jpg", "image/jpeg", "JPEG"),
        (image_bytes("JPEG"), "photo.png", "image/png", "JPEG"),
        (image_bytes("WEBP"), "photo.html", "text/html", "JPEG"),
        (image_bytes("PNG", mode="RGBA", color=(1, 2, 3, 0)), "a.jpg", "image/jpeg", "PNG"),
        (image_bytes("WEBP", mode="RGBA", color=(1, 2, 3, 9)), "a.bin", "application/zip", "PNG"),
    ],
)
def test_the_decoded_format_decides_not_the_declared_one(live, token, data, name, mime, stored_as):
    image = assert_accepted_and_clean(live, token, data, name=name, mime=mime)
    assert image.format == stored_as  # transparency kept as PNG, everything else JPEG


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A 16×16 JPEG whose frame header (SOF0) claims another size: a few hundred bytes."""
    data = bytearray(image_bytes("JPEG", size=(16, 16)))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 7] = height.to_bytes(2, "big")
    data[at + 7 : at + 9] = width.to_bytes(2, "big")
    return bytes(data)


def _webp_claiming(width: int, height: int) -> bytes:
    """A 16×16 lossy WebP whose VP8 frame header claims another size (14 bits per side)."""
    data = bytearray(image_bytes("WEBP", size=(16, 16)))
    at = data.index(b"\x9d\x01\x2a")  # the VP8 key frame start code
    data[at + 3 : at + 5] = width.to_bytes(2, "little")
    data[at + 5 : at + 7] = height.to_bytes(2, "little")
    return bytes(data)


def _png_claiming(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "name, data",
    [
        ("JPEG 65000×65000", _jpeg_claiming(65000, 65000)),
        # Between the limit (40 Mpx) and twice it, where Pillow only warns.
        ("JPEG 7000×7000", _jpeg_claiming(7000, 7000)),
        ("WebP 16383×16383", _webp_claiming(16383, 16383)),
        ("WebP 7000×7000", _webp_claiming(7000, 7000)),
        ("PNG 7000×7000", _png_claiming(7000, 7000)),
    ],
)
def test_decompression_bombs_by_dimensions_are_413(live, token, name, data):
    assert len(data) < 100_000, name
    assert_error(upload(live, token, data), 413, "image_too_large")
    assert upload_count(live) == 0


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_png_exif_chunk_with_gps_text_chunks_and_icc_are_stripped(live, token):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    data = image_bytes("PNG", exif=gps_exif(), pnginfo=info, icc_profile=srgb_profile())
    assert b"eXIf" in data and b"iTXt" in data and b"iCCP" in data and b"PhoneMaker" in data
    assert_accepted_and_clean(live, token, data, name="a.png", mime="image/png")


def test_webp_exif_and_xmp_chunks_are_stripped(live, token):
    data = image_bytes("WEBP", exif=gps_exif(), xmp=XMP)
    assert b"EXIF" in data and b"XMP " in data and b"PhoneMaker" in data
    assert_accepted_and_clean(live, token, data, name="a.webp", mime="image/webp")


def test_jpeg_xmp_packet_comment_and_icc_are_stripped(live, token):
    data = image_bytes(
        "JPEG", exif=gps_exif(), xmp=XMP, icc_profile=srgb_profile(), comment=b"<script>x"
    )
    assert b"xmpmeta" in data and b"ICC_PROFILE" in data and b"PhoneMaker" in data
    assert_accepted_and_clean(live, token, data)


def test_exif_orientation_is_applied_before_it_is_dropped(live, token):
    exif = gps_exif()
    exif[0x0112] = 6  # rotate 90°: the phone held upright
    image = assert_accepted_and_clean(live, token, image_bytes("JPEG", size=(80, 40), exif=exif))
    assert image.size == (40, 80)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow notices; that is the point
def test_corrupt_exif_is_survived(live, token):
    """An APP1 Exif block whose IFD points past its end: Pillow warns, we still re-encode."""
    photo = image_bytes("JPEG")
    broken = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff\xff\xff"
    data = photo[:2] + b"\xff\xe1" + (len(broken) + 2).to_bytes(2, "big") + broken + photo[2:]
    assert_accepted_and_clean(live, token, data)


def test_a_truncated_image_is_415(live, token):
    data = image_bytes("JPEG", size=(400, 300), quality=95)
    assert_error(upload(live, token, data[: len(data) // 2]), 415, "unsupported_image")
    data = image_bytes("PNG", size=(400, 300))
    assert_error(upload(live, token, data[:100], mime="image/png"), 415)


@pytest.mark.parametrize(
    "mode, fmt",
    [("I;16", "PNG"), ("1", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("CMYK", "JPEG"), ("L", "JPEG")],
)
def test_unusual_pixel_modes_are_accepted(live, token, mode, fmt):
    color = None if mode == "P" else 0
    data = image_bytes(fmt, mode=mode, color=color)
    assert_accepted_and_clean(live, token, data, name=f"a.{fmt.lower()}", mime="image/png")


def test_a_phone_multi_picture_jpeg_is_a_jpeg(live, token):
    """Portrait and depth shots are JPEGs with a multi-picture index (Pillow says "MPO")."""
    first = Image.new("RGB", (60, 40), (200, 50, 50))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (60, 40))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    image = assert_accepted_and_clean(live, token, out.getvalue())
    assert image.size == (60, 40)
    assert image.getpixel((30, 20))[0] > 150  # the first picture, not the depth map


def test_an_empty_file_is_400(live, token):
    assert_error(upload(live, token, b""), 400, "empty_file")
    assert upload_count(live) == 0


def test_two_files_in_one_upload_are_refused(live, token):
    jpeg, png = image_bytes("JPEG"), image_bytes("PNG")
    both = [("file", ("a.jpg", jpeg, "image/jpeg")), ("file", ("b.png", png, "image/png"))]
    assert_error(live.api("POST", "/uploads", token, files=both), 400, "too_many_files")
    other = [("file", ("a.jpg", jpeg, "image/jpeg")), ("extra", ("b.png", png, "image/png"))]
    assert_error(live.api("POST", "/uploads", token, files=other), 400, "too_many_files")
    assert upload_count(live) == 0


def test_a_body_that_is_not_multipart_is_400(live, token):
    jpeg = image_bytes("JPEG")
    raw = live.api("POST", "/uploads", token, data=jpeg, headers={"Content-Type": "image/jpeg"})
    assert_error(raw, 400, "no_file")
    assert_error(live.api("POST", "/uploads", token, json={"file": "aGVsbG8="}), 400, "no_file")
    assert upload_count(live) == 0


def test_a_multipart_body_of_thousands_of_parts_is_413(live, token):
    fields = [(f"f{i}", (None, "x")) for i in range(5000)]
    fields.append(("file", ("a.jpg", image_bytes("JPEG"), "image/jpeg")))
    assert_error(live.api("POST", "/uploads", token, files=fields), 413)
    assert upload_count(live) == 0


def test_a_photo_url_with_a_bad_signature_is_404_json(live, token):
    answer = upload(live, token, image_bytes("JPEG"))
    upload_id = answer.json()["upload_id"]
    for query in ("", "?sig=", "?sig=forged", f"?sig={'A' * 5000}"):
        response = live.http.get(f"{live.url}/api/v1/uploads/{upload_id}{query}")
        assert_error(response, 404, "not_found")
