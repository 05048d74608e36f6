"""P5: cold start of ``paysupport providers`` next to ``python -c "import requests"``.

Measured as users get it, from a regular install with compiled bytecode: a
virtual environment under ``.venv-bench/`` holding wheels of the core and of
every provider in ``providers/`` (built here, installed with ``--no-deps
--no-index``) and copies of their dependencies from the development
environment (no network). It is kept, keyed by a hash of the sources, so only
the first run after a change builds it. The development install (editable,
with the tests' example provider) is reported too.

Each command runs as a fresh process, taking turns, best of N; the goal is the
ratio to ``import requests`` in the same environment (at most 1x).
``python -c pass`` is shown as the floor of any Python command.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from benchmarks.results import Result, goal_result, info, skipped

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENVS = ROOT / ".venv-bench"
SCRIPT = Path(sys.executable).with_name("paysupport")


def _sources() -> list[Path]:
    """The core and every provider: what their wheels are built from."""
    return [ROOT, *sorted(p.parent for p in (ROOT / "providers").glob("*/pyproject.toml"))]


def _source_hash(sources: list[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for source in sources:
        package_dirs = [p for p in source.glob("paysupport*") if p.is_dir()]
        files = [source / "pyproject.toml"]
        files += sorted(f for d in package_dirs for f in d.rglob("*") if f.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _requirements(wheel: Path) -> list[Requirement]:
    """The wheel's ``Requires-Dist`` that apply without extras."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode("utf-8")
    found = []
    for line in re.findall(r"^Requires-Dist: (.+)$", text, re.M):
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            found.append(requirement)
    return found


def _dependency_closure(wheels: list[Path]) -> list[metadata.Distribution]:
    """The installed distributions the wheels need, found in this (the dev) environment."""
    ours = {canonicalize_name(w.name.split("-")[0]) for w in wheels}
    wanted = [r for w in wheels for r in _requirements(w)]
    seen: dict[str, metadata.Distribution] = {}
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in ours or name in seen:
            continue
        dist = metadata.distribution(requirement.name)
        seen[name] = dist
        for line in dist.requires or ():
            nested = Requirement(line)
            if nested.marker is None or nested.marker.evaluate({"extra": ""}):
                wanted.append(nested)
    return list(seen.values())


def _copy_distribution(dist: metadata.Distribution, site: Path) -> None:
    base = Path(str(dist.locate_file(""))).resolve()
    for file in dist.files or ():
        source = Path(str(dist.locate_file(file))).resolve()
        if not source.is_relative_to(base) or not source.is_file():
            continue  # scripts in bin/ and the like: not needed to import
        target = site / source.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)  # mtimes kept: the copied bytecode stays valid


def regular_install() -> Path:
    """A virtual environment with a regular install of paysupport; its ``bin`` directory."""
    sources = _sources()
    env = BENCH_ENVS / _source_hash(sources)
    ready = env / "ready"
    if ready.exists():
        return env / "bin"
    if BENCH_ENVS.exists():
        shutil.rmtree(BENCH_ENVS)  # built from older sources
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory() as folder:
        for source in sources:
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", folder,
                 str(source)],  # setuptools from pip's cache: the dev venv's may be older
                check=True, capture_output=True, cwd=folder,
            )  # fmt: skip
        wheels = sorted(Path(folder).glob("*.whl"))
        for dist in _dependency_closure(wheels):
            _copy_distribution(dist, site)
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
             "--no-deps", "--no-index", "--compile", *map(str, wheels)],
            check=True, capture_output=True,
        )  # fmt: skip
    compileall.compile_dir(site, quiet=1, workers=0)
    ready.write_text("")
    return env / "bin"


def _time(argv: list[str]) -> float:
    env = {**os.environ, "PAYSUPPORT_TOKEN_STORE": "memory"}
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def _best(bin_dir: Path, rounds: int) -> dict[str, float]:
    python = str(bin_dir / "python")
    commands = {
        "cli": [str(bin_dir / "paysupport"), "providers"],
        "requests": [python, "-c", "import requests"],
        "python": [python, "-c", "pass"],
    }
    for argv in commands.values():
        _time(argv)  # warm the file cache and write any missing bytecode
    best = {name: float("inf") for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            best[name] = min(best[name], _time(argv))
    return best


def _note(best: dict[str, float]) -> str:
    return (
        f"providers {best['cli'] * 1000:.0f} ms, import requests "
        f"{best['requests'] * 1000:.0f} ms, python -c pass {best['python'] * 1000:.0f} ms"
    )


def p5(quick: bool = False) -> list[Result]:
    rounds = 5 if quick else 15
    results: list[Result] = []
    what = "CLI cold start, regular install: paysupport providers / import requests"
    try:
        started = time.perf_counter()
        bin_dir = regular_install()
        built = time.perf_counter() - started
    except (subprocess.CalledProcessError, OSError, metadata.PackageNotFoundError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        results.append(skipped("P5", what, f"{exc} {detail.decode(errors='replace')[-300:]}"))
    else:
        print(f"   regular install ready in {built:.1f} s: {bin_dir.parent}", file=sys.stderr)
        best = _best(bin_dir, rounds)
        results += [
            goal_result("P5", what, best["cli"] / best["requests"], "x", "<= 1x", _note(best)),
            info(
                "P5",
                "CLI cold start, regular install: paysupport providers / python -c pass",
                best["cli"] / best["python"],
                "x",
            ),
        ]
    dev = _best(SCRIPT.parent, rounds)
    results.append(
        info(
            "P5",
            "CLI cold start, dev install (editable): paysupport providers / import requests",
            dev["cli"] / dev["requests"],
            "x",
            _note(dev) + "; the tests' example provider is installed too",
        )
    )
    return results
