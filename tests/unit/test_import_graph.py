"""The shape of the package: no import cycles, one home for each shared fact, errors in errors.py.

Imports are read from the source with ``ast``: every ``import`` counts, including those under
``if TYPE_CHECKING:`` and inside functions, because a cycle there still ties the modules together.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import readaloud

# The package under test, wherever it is installed (scripts/python313-check tests an installed copy).
PACKAGE = Path(readaloud.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The readaloud module that ``name`` (a module or something in one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The readaloud modules ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # "from readaloud.text import cleanup" imports the module readaloud.text.cleanup.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        found.update(owner for target in targets if (owner := _owner(target)) and owner != module)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_import_reader_sees_every_kind_of_import() -> None:
    # The checks below are only as good as this: TYPE_CHECKING and function-local imports count.
    assert "readaloud.speech.types" in imports_of("readaloud.core")  # under TYPE_CHECKING
    assert "readaloud.daemon" in imports_of("readaloud.commands.control")  # inside a function
    assert "readaloud.text.cleanup" in imports_of("readaloud.text.normalize")  # from package import module


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_among_readaloud_modules() -> None:
    graph = {module: imports_of(module) for module in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _sources_containing(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return sorted(module for module, path in MODULES.items() if regex.search(path.read_text()))


@pytest.mark.parametrize(
    ("fact", "pattern", "home"),
    [
        ("the D-Bus names", r"io\.github\.readaloud|org\.mpris\.MediaPlayer2", "readaloud.dbus.names"),
        ("the tray's D-Bus names", r"org\.kde\.StatusNotifier|com\.canonical\.dbusmenu",
         "readaloud.dbus.names"),
        ("the speed range", r"0\.5\s*(?:,|to|and|–)\s*2\.0", "readaloud.core"),
        ("the hotkey grammar", r"\balt_gr\b|\bcaps_lock\b|is not a key combination", "readaloud.keys"),
    ],
)
def test_a_shared_fact_is_written_in_one_module(fact: str, pattern: str, home: str) -> None:
    assert _sources_containing(pattern) == [home], f"{fact} must be written only in {home}"


def test_every_error_class_lives_in_errors_py() -> None:
    defined: dict[str, str] = {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                         for base in node.bases}
                if any(re.search(r"(Error|Exception|Unavailable)$", base) for base in bases):
                    defined[node.name] = module
    elsewhere = {name: module for name, module in defined.items() if module != "readaloud.errors"}
    assert elsewhere == {}
    assert {"ReadaloudError", "NotReadyError", "NothingSelectedError", "PortalUnavailable"} <= set(defined)


def test_the_core_contract_and_the_dbus_edge_import_no_numpy() -> None:
    code = (
        "import sys\n"
        "import readaloud.core, readaloud.dbus.service, readaloud.dbus.mpris, readaloud.config\n"
        "print(sorted(m for m in ('numpy', 'torch', 'onnxruntime', 'sounddevice') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PACKAGE.parent)
    assert result.stdout.strip() == "[]"
