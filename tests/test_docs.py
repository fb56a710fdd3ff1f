"""The repository stands on its own: no file points at notes outside it, every link in the
documentation resolves, and the mini-program's README says what the code does."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelled in pieces so this file does not match itself.
OUTSIDE = [
    "shared" + "/",
    *(name + ".md" for name in ("WECHAT", "API", "DESIGN", "PERFORMANCE", "QUEUE")),
]


def tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines() if (ROOT / line).is_file()]


def test_no_file_points_at_notes_outside_the_repository():
    found = []
    for path in tracked():
        if path.suffix in (".png", ".jpg", ".ttc", ".otf", ".ttf"):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for needle in OUTSIDE:
            for number, line in enumerate(text.splitlines(), 1):
                if needle in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)


def test_every_link_in_the_documentation_resolves():
    docs = [ROOT / "README.md", ROOT / "miniprogram" / "README.md", *(ROOT / "docs").glob("*.md")]
    broken = []
    for doc in docs:
        for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", doc.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
        for path in re.findall(r"`(docs/[\w./-]+\.md)`", doc.read_text()):
            if not (ROOT / path).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {path}")
    assert not broken, broken


def test_the_miniprogram_readme_matches_the_code():
    readme = (ROOT / "miniprogram" / "README.md").read_text()
    pages = json.loads((ROOT / "miniprogram" / "app.json").read_text())["pages"]
    listed = re.findall(r"^\| `(pages/[\w/]+)` \|", readme, re.M)
    assert listed == pages
    for name in re.findall(r"`(test/[\w./-]+)`", readme):
        assert (ROOT / "miniprogram" / name).exists(), name
    config = (ROOT / "server" / "settings.py").read_text()
    for setting in set(re.findall(r"`(WECHAT_[A-Z_]+)", readme)):
        assert f'"{setting}' in config or f"{setting}" in config, setting
    assert "binds 127.0.0.1 today" not in readme  # HOST=0.0.0.0 exists
    assert "HOST=0.0.0.0 ./scripts/run" in readme
    assert "needs a\n    route or a static file" not in readme  # WECHAT_QR_VERIFY_FILE exists
    assert "WECHAT_QR_VERIFY_FILE" in config
