"""The house rules, read from the code itself: settings come from one module, the product imports
neither the sandbox nor the benchmarks, no module of server/ imports itself in a circle, and a
message's status changes only through the lifecycle's move()."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server import settings
from wechat_sandbox import defaults as sandbox

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"


def modules() -> dict[str, Path]:
    out = {}
    for path in SERVER.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports_of(path: Path, name: str) -> set[str]:
    """Every module this file imports, at any depth in the file (inside functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = {t for t in imports_of(path, name) if t in known and t != name}
        # `import server.x.y` also runs server and server.x: only the module itself is an edge.
        edges[name] = targets
    return edges


def test_settings_are_read_in_one_place():
    offenders = []
    for name, path in modules().items():
        if name == "server.settings":
            continue
        text = path.read_text()
        if re.search(r"\bos\.environ\b|\bgetenv\(", text):
            offenders.append(name)
    assert offenders == []


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert settings.markdown_table() in readme, "run `python -m server.settings` into README.md"


def test_the_product_imports_neither_the_sandbox_nor_the_benchmarks():
    offenders = {
        name: sorted(t for t in imports_of(path, name) if t.startswith(("wechat_sandbox", "bench")))
        for name, path in modules().items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_sandbox_answers_to_the_products_defaults():
    assert settings.SANDBOX == {
        "appid": sandbox.APPID,
        "secret": sandbox.SECRET,
        "template_reply": sandbox.TEMPLATE_REPLY,
        "template_new_item": sandbox.TEMPLATE_NEW_ITEM,
        "template_reminder": sandbox.TEMPLATE_REMINDER,
        "template_progress": sandbox.TEMPLATE_PROGRESS,
        "template_solved": sandbox.TEMPLATE_SOLVED,
        "template_reception": sandbox.TEMPLATE_RECEPTION,
        "push_token": settings.SANDBOX["push_token"],  # the sandbox is told it per test
        "oa_appid": sandbox.OA_APPID,
        "oa_secret": sandbox.OA_SECRET,
        "oa_template_reply": sandbox.OA_TEMPLATE_REPLY,
        "oa_template_new_item": sandbox.OA_TEMPLATE_NEW_ITEM,
        "oa_template_reminder": sandbox.OA_TEMPLATE_REMINDER,
        "oa_template_reception": sandbox.OA_TEMPLATE_RECEPTION,
    }


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in edges:
        if node not in index:
            visit(node)
    return out


def test_no_import_circles_in_server():
    edges = graph()
    # A package's __init__ importing its own submodules is how a package is assembled, not a
    # circle between parts (server/__init__.py builds the app from everything).
    for name in edges:
        edges[name] = {t for t in edges[name] if not (t.startswith(name + ".") or name == "server")}
    assert _cycles(edges) == []


# Layers, top to bottom: a module may import its own layer and the ones below, never above.
LAYERS = (
    ("web", ("server.api", "server.admin", "server.public", "server.wechat.callback", "server.cli",
             "server.wsgi", "server.demo")),
    ("jobs", ("server.tasks",)),
    ("domain", ("server.intake", "server.routing", "server.handling", "server.identity",
                "server.notices", "server.seed", "server.units", "server.publish",
                "server.suggestions", "server.performance",
                "server.insight")),
    ("adapter", ("server.wechat",)),
    ("model", ("server.models",)),
    ("platform", ("server.platform", "server.settings")),
)  # fmt: skip


def layer_of(name: str) -> int | None:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    return best[0] if best else None


def test_imports_run_downward():
    upward = []
    for name, targets in graph().items():
        here = layer_of(name)
        if here is None:
            continue
        for target in targets:
            there = layer_of(target)
            if there is not None and there < here:
                upward.append(f"{name} -> {target}")
    assert upward == []


# Where a message's status may be written: the lifecycle (move), and rows created with their
# first status (a submission, a walk-in, the demo's history reconstructed as it happened).
STATUS_WRITERS = {"server.models.lifecycle"}


def test_every_status_change_goes_through_move():
    pattern = re.compile(r"(\.status\s*=(?!=)|\bstatus=\"(?!received\b)[a-z_]+\")")
    offenders = []
    for name, path in modules().items():
        if name in STATUS_WRITERS or name.startswith(("server.notices", "server.admin.queue")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if "message" in code.lower() and pattern.search(code):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("value", ["abc", "8000x"])
def test_a_bad_setting_stops_the_start_with_its_name(value):
    result = subprocess.run(
        [sys.executable, "-c", "import server.settings as s; s.read()"],
        env={"PORT": value, "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PORT" in result.stderr and "设置" in result.stderr
