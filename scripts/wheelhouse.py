"""Prepare an install for a machine without internet: scripts/wheelhouse --help.

The folder it writes holds every wheel of one locked set (requirements/<set>.txt) for one
target (CPython version, CPU, glibc), the lines of the lock that apply there with their hashes,
the project's own files, and `install`, which installs from the folder alone:

    pip install --no-index --find-links wheels --require-hashes -r requirements.txt

pip evaluates a lock's environment markers for the machine it runs on, not for the target of
`pip download --platform`, so the lines are chosen here, for the target, and pip downloads them
without their markers. Only wheels: the target may have no compiler, and a wheel built there
would not match the locked hash anyway. A pure-Python package published only as source
(BUILT_HERE: jieba) is built into a py3-none-any wheel here, from the source archive whose hash
the lock holds; the folder's requirements.txt then names that wheel's hash instead.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
SETS = ("runtime", "embedded", "dev", "bench")
# Left out of the project's files when this is not a git checkout (a release tarball).
NOT_SHIPPED = {".git", ".venv", "instance", "wheelhouse", "node_modules", "__pycache__"}
NOT_SHIPPED |= {".pytest_cache", ".ruff_cache", "bench-out"}
# Pure-Python packages PyPI has only as source: built here (pip checks the source's hash).
BUILT_HERE = {"jieba"}

INSTALL = """#!/bin/sh
# Installs 码上联络站 from this folder alone, with no network: ./install [DIR]
# DIR (default /opt/lianluozhan) gets venv/ (the locked packages) and app/ (the project).
# PYTHON=/path/to/python3.X picks the interpreter; it must be the one this folder was made for.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-/opt/lianluozhan}
python=${PYTHON:-python3}
want=$(sed -n 's/^python=//p' "$here/MANIFEST")
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$have" != "$want" ]; then
  echo "这个安装包是为 Python $want 准备的，$python 是 Python $have（用 PYTHON=… 指定）" >&2
  exit 1
fi
(cd "$here" && sha256sum --quiet -c SHA256SUMS)
# An upgrade replaces both: the venv is made anew (no package of the old lock stays behind) and
# the previous app/ is kept as app.previous for going back.
"$python" -m venv --clear "$dest/venv"
"$dest/venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" \\
  --only-binary :all: --require-hashes -r "$here/requirements.txt"
rm -rf "$dest/app.new"
mkdir -p "$dest/app.new"
tar -xzf "$here/lianluozhan-src.tar.gz" -C "$dest/app.new" --strip-components=1
if [ -d "$dest/app" ]; then
  rm -rf "$dest/app.previous"
  mv "$dest/app" "$dest/app.previous"
fi
mv "$dest/app.new" "$dest/app"
# The services may not write here (ProtectSystem=strict): compiled now, not at each start.
"$dest/venv/bin/python" -m compileall -q "$dest/app"
echo "已安装到 $dest：程序 $dest/app，Python 环境 $dest/venv"
"""


def lock_entries(lock: Path) -> list[tuple[Requirement, list[str], str]]:
    """(requirement, hashes, the lock's own text for it) for every package in a lock file."""
    text = lock.read_text()
    entries = []
    # One entry: "name==version [; marker] \" then "    --hash=sha256:..." lines.
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        if not lines or lines[0].startswith(("-", " ")):
            continue
        joined = " ".join(line.rstrip("\\ ").strip() for line in lines)
        spec, *hashes = [part.strip() for part in joined.split("--hash=")]
        entries.append((Requirement(spec), hashes, "\n".join(lines)))
    return entries


def target_environments(python: str, arch: str) -> list[dict[str, str]]:
    """Marker environments for the target; a bare X.Y stands for every X.Y.Z."""
    fulls = [python] if python.count(".") == 2 else [f"{python}.0", f"{python}.99"]
    return [
        {
            "implementation_name": "cpython",
            "implementation_version": full,
            "os_name": "posix",
            "platform_machine": arch,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": full,
            "python_version": ".".join(full.split(".")[:2]),
            "sys_platform": "linux",
        }
        for full in fulls
    ]


def applies(requirement: Requirement, environments: list[dict[str, str]]) -> bool:
    marker: Marker | None = requirement.marker
    return marker is None or any(marker.evaluate(env) for env in environments)


def pip_download(lines: list[str], dest: Path, python: str, arch: str, glibc: str) -> None:
    minor = int(glibc.split(".")[1])
    tag = "".join(python.split(".")[:2])
    platforms = [f"manylinux_2_{m}_{arch}" for m in range(17, minor + 1)]
    platforms.append(f"manylinux2014_{arch}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as wanted:
        wanted.write("\n".join(lines) + "\n")
        wanted.flush()
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary", ":all:", "--require-hashes", "-r", wanted.name]
        command += ["--dest", str(dest), "--implementation", "cp", "--python-version", tag]
        command += ["--abi", f"cp{tag}", "--abi", "abi3", "--abi", "none"]
        for name in platforms:
            command += ["--platform", name]
        subprocess.run(command, check=True)


def build_wheel(line: str, dest: Path) -> Path:
    """A wheel of a BUILT_HERE package from its hash-checked source; it must be pure Python."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        tempfile.NamedTemporaryFile("w", suffix=".txt") as wanted,
    ):
        wanted.write(line + "\n")
        wanted.flush()
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        command += ["--no-binary", line.split("=")[0], "--require-hashes", "-r", wanted.name]
        command += ["--wheel-dir", scratch]
        subprocess.run(command, check=True)
        (built,) = Path(scratch).glob("*.whl")
        if not built.name.endswith("-py3-none-any.whl"):
            raise SystemExit(f"{built.name}: 不是纯 Python 的 wheel，不能在这里代为构建")
        return Path(shutil.copy2(built, dest))


def project_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        paths = [ROOT / name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        paths = [
            path for path in ROOT.rglob("*") if not NOT_SHIPPED & set(path.relative_to(ROOT).parts)
        ]
    return sorted(path for path in paths if path.is_file() and not path.is_symlink())


def write_source(out: Path) -> dict[str, str]:
    """The project's files as lianluozhan-src.tar.gz, the same bytes for the same files."""
    tar_path = out / "lianluozhan-src.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in project_files():
            info = tar.gettarinfo(str(path), arcname=f"lianluozhan/{path.relative_to(ROOT)}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    with tar_path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue())
    commit, dirty = "unknown", "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        dirty = "yes" if status.strip() else "no"
    except (OSError, subprocess.CalledProcessError):
        pass
    return {"commit": commit, "uncommitted_changes": dirty}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    here = platform.machine()
    parser = argparse.ArgumentParser(
        prog="scripts/wheelhouse",
        description="为不能上网的服务器准备安装包："
        "锁定的全部 wheel、项目文件和离线安装脚本 install。",
    )
    parser.add_argument("--set", default="runtime", choices=SETS, help="哪组依赖（默认 runtime）")
    parser.add_argument(
        "--python",
        default=f"{sys.version_info[0]}.{sys.version_info[1]}",
        help="目标机器的 Python 版本，如 3.11（默认：本机）",
    )
    parser.add_argument(
        "--arch",
        default=here if here in ("x86_64", "aarch64") else "x86_64",
        choices=("x86_64", "aarch64"),
        help="目标 CPU：x86_64，或 aarch64（鲲鹏、飞腾）（默认：本机）",
    )
    parser.add_argument(
        "--glibc",
        default="2.28",
        help="目标系统的 glibc 版本（ldd --version；默认 2.28：麒麟 V10、openEuler 20.03 及更新）",
    )
    parser.add_argument("--out", type=Path, help="输出目录（默认 wheelhouse/<set>-py<版本>-<CPU>）")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"3\.\d+(\.\d+)?", args.python):
        parser.error(f"--python {args.python}: 应为 3.11 这样的版本号")
    if not re.fullmatch(r"2\.\d+", args.glibc) or int(args.glibc.split(".")[1]) < 17:
        parser.error(f"--glibc {args.glibc}: 应为 2.17 或更新，如 2.28")

    python_minor = ".".join(args.python.split(".")[:2])
    out = args.out or ROOT / "wheelhouse" / f"{args.set}-py{python_minor}-{args.arch}"
    if out.exists():
        shutil.rmtree(out)
    (out / "wheels").mkdir(parents=True)

    environments = target_environments(args.python, args.arch)
    lock = ROOT / "requirements" / f"{args.set}.txt"
    chosen = [entry for entry in lock_entries(lock) if applies(entry[0], environments)]
    # pip refuses one name twice in a file: a package split by a patch-level marker is
    # downloaded in a second round.
    rounds: list[list[str]] = []
    texts = []
    for requirement, hashes, text in chosen:
        line = f"{requirement.name}{requirement.specifier} " + " ".join(
            f"--hash={h}" for h in hashes
        )
        if requirement.name in BUILT_HERE:
            wheel = build_wheel(line, out / "wheels")
            texts.append(f"{requirement.name}{requirement.specifier} --hash=sha256:{sha256(wheel)}")
            continue
        texts.append(text)
        for batch in rounds:
            if not any(item.split("==")[0] == requirement.name for item in batch):
                batch.append(line)
                break
        else:
            rounds.append([line])
    print(
        f"==> {len(chosen)} packages of requirements/{args.set}.txt for CPython "
        f"{args.python} on {args.arch} (glibc {args.glibc})",
        flush=True,
    )
    for batch in rounds:
        pip_download(batch, out / "wheels", args.python, args.arch, args.glibc)

    (out / "requirements.txt").write_text(
        f"# requirements/{args.set}.txt, the packages that apply to CPython {python_minor} "
        f"on Linux {args.arch}\n" + "\n".join(texts) + "\n"
    )
    source = write_source(out)
    (out / "install").write_text(INSTALL)
    (out / "install").chmod(0o755)
    manifest = {
        "set": args.set,
        "python": python_minor,
        "arch": args.arch,
        "glibc": args.glibc,
        **source,
    }
    (out / "MANIFEST").write_text("".join(f"{k}={v}\n" for k, v in manifest.items()))
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    (out / "SHA256SUMS").write_text("".join(f"{sha256(p)}  {p.relative_to(out)}\n" for p in files))
    wheels = len(list((out / "wheels").iterdir()))
    size = sum(p.stat().st_size for p in files) / 1e6
    print(json.dumps({"out": str(out), "wheels": wheels, "megabytes": round(size, 1)}))
    print(f"拷到目标机器后运行：{out.name}/install /opt/lianluozhan（不需要联网）")


if __name__ == "__main__":
    main()
