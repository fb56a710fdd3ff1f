"""Issue 12, item 5 in Chromium: the dashboard's own scripts and styles run under its strict
Content-Security-Policy (tests/security/test_dashboard_headers.py checks the headers), and the
browser reports no violation on the pages that use them."""

from __future__ import annotations

from tests.support.helpers import browser_sign_in, make_items


def test_the_pages_run_in_chromium_under_the_policy(page, live, stations):
    make_items(live, stations)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    browser_sign_in(page, live)
    # The overview draws its bars and polls (its script runs), the roster switches kinds,
    # the walk-in form hides the answer box, an error page goes back.
    assert page.locator(".hbar-fill").count() >= 1
    page.wait_for_function("document.getElementById('live-status') !== null")
    page.goto(f"{live.url}/admin/stations/{stations['stations']['金竹']}/roster")
    assert page.locator('.kind-box[data-kind="monthly"]').is_hidden()
    page.goto(f"{live.url}/admin/walk-ins/new")
    assert page.locator("#answer-box").is_hidden()
    page.check("#f-on_spot")
    assert page.locator("#answer-box").is_visible()
    page.goto(f"{live.url}/admin/items/999999")
    page.click("a[data-back]")
    page.wait_for_url(f"{live.url}/admin/walk-ins/new")
    frame = page.evaluate(
        "async (url) => (await fetch(url)).headers.get('x-frame-options')", f"{live.url}/admin/"
    )
    assert frame == "DENY"
    assert not violations, violations


def test_the_quarterly_analysis_draws_its_charts_under_the_policy(page, live, stations):
    """ECharts (vendored) draws every chart of 季度分析 and its printable page, with no
    violation of the policy (no inline script, no style attribute it would refuse)."""
    make_items(live, stations)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    browser_sign_in(page, live)
    for path in ("/admin/analysis", "/admin/analysis/print"):
        page.goto(f"{live.url}{path}")
        page.wait_for_function(
            "document.querySelectorAll('[data-chart] svg').length === "
            "document.querySelectorAll('[data-chart]').length"
        )
        assert page.locator("[data-chart] svg").count() == 5
        assert (
            page.locator('[data-chart="month"] svg rect, [data-chart="month"] svg path').count() > 3
        )
    assert not violations, violations
