"""Issue 12, item 5: the dashboard had no framing, CSP, nosniff or no-store headers, and its
SameSite setting was a `setdefault` that Flask's own default (None) already satisfied.

Every dashboard page reachable by links is crawled as an administrator (and the signed-out
pages, a redirect and an error besides), each answer checked for the headers and each page for
anything the CSP would block (inline script, style attributes, on* handlers, javascript: URLs);
tests/admin/test_browser_csp.py then runs the pages in Chromium under the policy.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from server.admin import CONTENT_SECURITY_POLICY
from tests.support.helpers import make_items

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Page(HTMLParser):
    """Links to follow, and what a strict CSP would refuse to run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.inline: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._script = "src" not in attrs
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name, value in attrs.items():
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}>")
            if name == "style":
                self.inline.append(f"<{tag} style>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.inline.append(f"<{tag} {name}=javascript:>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script and data.strip():
            self.inline.append("inline <script>")


def check_headers(answer, where: str) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, f"{where}: {name}={answer.headers.get(name)}"
    policy = answer.headers.get("Content-Security-Policy", "")
    assert policy == CONTENT_SECURITY_POLICY, f"{where}: {policy!r}"
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy


def crawl(client, start: str, limit: int = 400) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        answer = client.get(path)
        check_headers(answer, path)
        seen[path] = answer.status_code
        if answer.mimetype != "text/html":
            continue
        parser = Page()
        parser.feed(answer.get_data(as_text=True))
        assert not parser.inline, f"{path}: {sorted(set(parser.inline))}"
        for href in parser.links:
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            if target.netloc == "localhost" and target.path.startswith("/admin"):
                link = target.path + (f"?{target.query}" if target.query else "")
                if link not in seen:
                    queue.append(link)
    return seen


def test_every_dashboard_page_sends_the_security_headers(live, stations, signed_in):
    make_items(live, stations)
    admin = signed_in()
    pages = crawl(admin.client, "/admin/")
    assert len(pages) > 30, pages  # the crawl really went round the dashboard
    for needed in ("/admin/items", "/admin/queue", "/admin/users", "/admin/registers"):
        assert needed in pages, sorted(pages)
    assert any(p.startswith("/admin/items/") for p in pages)
    assert any(p.endswith("/roster") for p in pages)
    assert set(pages.values()) <= {200, 302}, {p: s for p, s in pages.items() if s >= 400}
    # Answers that are not pages: an error, a form's refusal, a file, the live JSON.
    for path in ("/admin/items/999999", "/admin/nothing-here", "/admin/overview/live.json"):
        check_headers(admin.get(path), path)
    check_headers(admin.post("/admin/walk-ins/new", {}), "refused form")
    # Signed out: the sign-in page and the redirect to it.
    anonymous = live.app.test_client()
    for path in ("/admin/login", "/admin/", "/admin/items/1"):
        check_headers(anonymous.get(path), path)


def test_the_separated_administrators_pages_send_the_security_headers(live, stations, signed_in):
    """The security and audit administrators' own pages (and exports), crawled as them."""
    for username, start, needed in (
        ("security", "/admin/security", "/admin/account/totp"),
        ("auditor", "/admin/audit", "/admin/account/password"),
    ):
        staff = signed_in(username)
        pages = crawl(staff.client, start)
        assert needed in pages and start in pages, sorted(pages)
        assert set(pages.values()) <= {200, 302}, pages
        check_headers(staff.get("/admin/items"), f"{username}: refused page")
    auditor = signed_in("auditor")
    for fmt in ("csv", "xlsx"):
        check_headers(auditor.get(f"/admin/audit/export?format={fmt}"), f"export {fmt}")
    code_step = live.app.test_client()
    check_headers(code_step.get("/admin/login/code"), "code step")


def test_the_session_cookie_is_samesite_lax(live, stations):
    assert live.app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    answer = live.http.get(f"{live.url}/admin/login")
    cookie = answer.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie, cookie
