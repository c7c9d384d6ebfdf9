"""Put this folder on PYTHONPATH and ``import gi`` fails, as in a plain ``pip install .`` (no PyGObject).

Python imports ``sitecustomize`` at start-up; this one puts a finder first on ``sys.meta_path`` that
refuses ``gi`` and everything under it, so code that needs PyGObject fails the way it would there.
"""

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class _RefusePyGObject(MetaPathFinder):
    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name == "gi" or name.startswith("gi."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: no PyGObject)", name=name)
        return None


sys.meta_path.insert(0, _RefusePyGObject())
