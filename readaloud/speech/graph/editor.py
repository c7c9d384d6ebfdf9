"""A small editor over an ONNX graph: who produces and who consumes each tensor, constants as
numpy arrays, and batched node replacement followed by a topological sort and dead-code removal."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper


class GraphEditor:
    """Edits ``model.graph`` in place.

    Passes look nodes up through the indexes, queue replacements with :meth:`replace` and call
    :meth:`commit` once at the end; the indexes describe the graph as it was before the pass, so a
    pass must not match a node it already queued for removal (:meth:`claim` guards that).
    """

    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.graph = model.graph
        self._arrays: dict[str, np.ndarray] = {}
        self._names: set[str] = set()
        for index, node in enumerate(self.graph.node):
            if not node.name or node.name in self._names:
                node.name = f"{node.op_type}_{index}"
            self._names.add(node.name)
        self._removed: set[str] = set()
        self._added: list[onnx.NodeProto] = []
        self._reindex()

    # ---- lookups -------------------------------------------------------------------------

    def _reindex(self) -> None:
        self.initializers = {init.name: init for init in self.graph.initializer}
        self._producer: dict[str, onnx.NodeProto] = {}
        self._consumers: dict[str, list[onnx.NodeProto]] = defaultdict(list)
        for node in self.graph.node:
            for output in node.output:
                self._producer[output] = node
            for name in dict.fromkeys(node.input):
                if name:
                    self._consumers[name].append(node)
        self.outputs = {output.name for output in self.graph.output}
        self.inputs = {graph_input.name for graph_input in self.graph.input}

    def nodes(self, op_type: str) -> list[onnx.NodeProto]:
        return [node for node in self.graph.node if node.op_type == op_type]

    def producer(self, name: str) -> onnx.NodeProto | None:
        return self._producer.get(name)

    def producer_of(self, name: str, op_type: str) -> onnx.NodeProto | None:
        node = self._producer.get(name)
        return node if node is not None and node.op_type == op_type else None

    def consumers(self, name: str) -> list[onnx.NodeProto]:
        return self._consumers.get(name, [])

    def sole_consumer(self, name: str, op_type: str | None = None) -> onnx.NodeProto | None:
        """The one node reading ``name`` (and no graph output reading it), optionally of ``op_type``."""
        users = self._consumers.get(name, [])
        if len(users) != 1 or name in self.outputs:
            return None
        if op_type is not None and users[0].op_type != op_type:
            return None
        return users[0]

    def array(self, name: str) -> np.ndarray | None:
        """The value of a constant input, or None when ``name`` is computed at run time."""
        if name not in self.initializers:
            return None
        if name not in self._arrays:
            self._arrays[name] = numpy_helper.to_array(self.initializers[name])
        return self._arrays[name]

    def scalar(self, name: str) -> float | None:
        value = self.array(name)
        if value is None or value.size != 1:
            return None
        return float(value.reshape(()))

    # ---- edits ---------------------------------------------------------------------------

    def unique_name(self, base: str) -> str:
        name, counter = base, 1
        while name in self._names or name in self.initializers:
            counter += 1
            name = f"{base}_{counter}"
        self._names.add(name)
        return name

    def add_initializer(self, base: str, value: np.ndarray) -> str:
        name = self.unique_name(base)
        self.graph.initializer.append(numpy_helper.from_array(value, name))
        self.initializers[name] = self.graph.initializer[-1]
        self._arrays[name] = value
        return name

    def make_node(
        self, op_type: str, inputs: list[str], outputs: list[str], name: str, **attrs: Any
    ) -> onnx.NodeProto:
        return helper.make_node(op_type, inputs, outputs, name=self.unique_name(name), **attrs)

    def claimed(self, nodes: Iterable[onnx.NodeProto]) -> bool:
        return any(node.name in self._removed for node in nodes)

    def replace(self, remove: Iterable[onnx.NodeProto], add: Iterable[onnx.NodeProto]) -> None:
        self._removed.update(node.name for node in remove)
        self._added.extend(add)

    def commit(self) -> None:
        """Apply the queued replacements, order the nodes, drop what no output needs."""
        kept = [node for node in self.graph.node if node.name not in self._removed]
        kept.extend(self._added)
        self._removed.clear()
        self._added = []
        ordered = _toposort(kept, self.inputs | set(self.initializers))
        needed = {output.name for output in self.graph.output}
        live: list[onnx.NodeProto] = []
        for node in reversed(ordered):
            if any(output in needed for output in node.output):
                live.append(node)
                needed.update(name for name in node.input if name)
        live.reverse()
        self.graph.ClearField("node")
        self.graph.node.extend(live)
        used = [init for init in self.graph.initializer if init.name in needed]
        if len(used) != len(self.graph.initializer):
            self.graph.ClearField("initializer")
            self.graph.initializer.extend(used)
            self._arrays = {name: value for name, value in self._arrays.items() if name in needed}
        self._reindex()


def attributes(node: onnx.NodeProto) -> dict[str, Any]:
    return {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}


def other_input(node: onnx.NodeProto, name: str) -> str | None:
    """For a two-input node that reads ``name``, the other input."""
    if len(node.input) != 2:
        return None
    first, second = node.input
    if first == name:
        return second
    if second == name:
        return first
    return None


def _toposort(nodes: list[onnx.NodeProto], available: set[str]) -> list[onnx.NodeProto]:
    """Kahn's algorithm, always taking the earliest ready node: the original order where it is valid."""
    ready = set(available) | {""}
    waiting: dict[str, list[int]] = defaultdict(list)
    missing = []
    heap: list[int] = []
    for index, node in enumerate(nodes):
        absent = {name for name in node.input if name not in ready}
        missing.append(len(absent))
        for name in absent:
            waiting[name].append(index)
        if not absent:
            heap.append(index)
    heapq.heapify(heap)
    order = []
    while heap:
        index = heapq.heappop(heap)
        order.append(nodes[index])
        for output in nodes[index].output:
            if output in ready:
                continue
            ready.add(output)
            for follower in waiting.pop(output, []):
                missing[follower] -= 1
                if missing[follower] == 0:
                    heapq.heappush(heap, follower)
    if len(order) != len(nodes):
        stuck = [node.name for node, count in zip(nodes, missing, strict=True) if count][:3]
        raise ValueError(f"the graph has a cycle or a dangling input near {stuck}")
    return order
