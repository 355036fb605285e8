"""The objective hierarchy: positions, parents, depth, ancestors and cycles — one home.

Every walk up the parents (scoring roll-ups, a team's sub-plan, carry-forward, the console's
indentation, the alignment tree, plan validation and lint) goes through this module.

* :func:`positions` maps ids to row positions (vectorised).
* :class:`Hierarchy` holds, for a frame of objectives, each one's parent position and depth,
  with cycles cut (an objective on a cycle counts as a root, so a roll-up still terminates).
* :func:`ancestors` and :func:`depths` walk a plain ``{id: parent}`` mapping.
* :func:`find_cycles` reports each parent cycle once, at its first objective in file order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def positions(ids: Any, keys: Any) -> np.ndarray:
    """Row position in ``ids`` (first occurrence) of each key; -1 where unknown.

    >>> positions(["a", "b", "a"], ["b", "x", "a"]).tolist()
    [1, -1, 0]
    """
    ids = np.asarray(ids, dtype=object)
    first = pd.Series(np.arange(len(ids)), index=ids)
    first = first[~first.index.duplicated()]
    found = pd.Series(np.asarray(keys, dtype=object), dtype=object).map(first)
    return found.fillna(-1).to_numpy(dtype="int64")


@dataclass(frozen=True)
class Hierarchy:
    """Parent position (-1: root or unknown parent) and depth (roots 0) per objective."""

    parent: np.ndarray
    depth: np.ndarray

    @classmethod
    def of(cls, objectives: pd.DataFrame) -> Hierarchy:
        """The hierarchy of an objectives frame (``objective_id``, ``parent_id``), in row order.

        >>> obj = pd.DataFrame({"objective_id": ["C", "B", "P"], "parent_id": [None, "C", "B"]})
        >>> h = Hierarchy.of(obj)
        >>> h.parent.tolist(), h.depth.tolist()
        ([-1, 0, 1], [0, 1, 2])
        """
        ids = objectives["objective_id"].to_numpy(dtype=object)
        parent = positions(ids, objectives["parent_id"].to_numpy(dtype=object))
        return cls.from_parents(parent)

    @classmethod
    def from_parents(cls, parent: np.ndarray) -> Hierarchy:
        """Depths from parent positions; objectives on a cycle become roots."""
        parent = np.asarray(parent, dtype="int64").copy()
        n = len(parent)
        while True:
            depth = np.zeros(n, dtype="int64")
            cur = parent.copy()
            for _ in range(n + 1):
                active = cur >= 0
                if not active.any():
                    break
                depth += active
                cur = np.where(active, parent[np.maximum(cur, 0)], -1)
            if not (cur >= 0).any():
                return cls(parent, depth)
            # still walking after n steps: those objectives reach a cycle; cut them loose
            parent = np.where(cur >= 0, -1, parent)

    @property
    def roots(self) -> np.ndarray:
        """Mask of the root objectives."""
        return self.parent < 0

    def levels(self) -> list[np.ndarray]:
        """Positions per depth, deepest first (the order a roll-up visits them)."""
        top = int(self.depth.max(initial=0))
        return [np.flatnonzero(self.depth == d) for d in range(top, -1, -1)]


def ancestors(parents: Mapping[Any, Any], ids: Iterable[Any]) -> list[Any]:
    """The ancestors of ``ids`` (nearest first, each once), stopping at unknown ids and cycles.

    >>> ancestors({"P": "B", "B": "C", "C": None, "Q": "B"}, ["P", "Q"])
    ['B', 'C']
    """
    own = list(dict.fromkeys(ids))
    out: list[Any] = []
    seen = set(own)
    for oid in own:
        cur = parents.get(oid)
        while cur is not None and cur in parents and cur not in seen:
            seen.add(cur)
            out.append(cur)
            cur = parents.get(cur)
    return out


def with_ancestors(parents: Mapping[Any, Any], ids: Iterable[Any]) -> set[Any]:
    """``ids`` plus all their ancestors."""
    own = list(dict.fromkeys(ids))
    return set(own) | set(ancestors(parents, own))


def depths(parents: Mapping[Any, Any]) -> dict[Any, int]:
    """Depth of every objective of ``{id: parent}`` (roots and cycle members stop the walk).

    >>> depths({"C": None, "B": "C", "P": "B"})
    {'C': 0, 'B': 1, 'P': 2}
    """
    out: dict[Any, int] = {}
    for oid in parents:
        d, cur, seen = 0, parents.get(oid), {oid}
        while cur is not None and cur in parents and cur not in seen:
            seen.add(cur)
            d += 1
            cur = parents.get(cur)
        out[oid] = d
    return out


def find_cycles(parents: Mapping[Any, Any], order: Iterable[Any] | None = None
                ) -> list[tuple[int, list[Any]]]:
    """Each parent cycle once: ``(index in order, [first, ..., first])``.

    A cycle is reported at its objective that comes first in ``order`` (default: the
    mapping's order), and written starting and ending there.

    >>> find_cycles({"A": "B", "B": "A", "C": None})
    [(0, ['A', 'B', 'A'])]
    """
    ordered = list(parents) if order is None else list(order)
    index = {oid: i for i, oid in reversed(list(enumerate(ordered)))}
    out: list[tuple[int, list[Any]]] = []
    done: set[Any] = set()
    for start in ordered:
        if start in done:
            continue
        path: list[Any] = []
        on_path: set[Any] = set()
        cur = start
        while cur is not None and cur in parents and cur not in on_path and cur not in done:
            path.append(cur)
            on_path.add(cur)
            cur = parents[cur]
        if cur is not None and cur in on_path:
            cycle = path[path.index(cur):]
            first = min(cycle, key=lambda c: index.get(c, len(index)))
            k = cycle.index(first)
            ordered_cycle = cycle[k:] + cycle[:k]
            out.append((index.get(first, 0), [*ordered_cycle, first]))
        done.update(path)
    return sorted(out, key=lambda item: item[0])
