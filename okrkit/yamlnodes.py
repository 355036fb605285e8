"""Plan YAML parsed once, by libyaml: the data and its line numbers from the same nodes.

``yaml.compose(text, Loader=yaml.CSafeLoader)`` runs the C parser and composer; every
node carries ``start_mark.line``. :func:`load_yaml` builds plain data from those nodes
(no second ``yaml.load``, no pure-Python composer) and keeps the root node, so a message
finds its line by walking the nodes along the error's path only when there is an error.

Safety rules, each a :class:`~okrkit.errors.PlanError` naming the line:

* only plain data: strings, numbers, booleans, null, dates, mappings and sequences;
  a tag that would construct an object (``!!python/object``, ``!!binary``, ``!!set``,
  ...) is refused (``unsafe-tag``); the merge key ``<<`` works;
* a key twice in one mapping is refused (``duplicate-key``), each with both lines;
* **limits** (``too-large``): at most :data:`MAX_DEPTH` (64) levels of nesting (libyaml
  itself stops at 1,000), :data:`MAX_ALIASES` (10,000) alias uses, :data:`MAX_NODES`
  (5,000,000) nodes once aliases are expanded — a "billion laughs" alias bomb stops
  here in milliseconds —, and :data:`MAX_CHARS` (64 Mi characters) of text. An alias to
  a node that contains it is refused.

**Ids and text are kept as written.** Under the keys of :data:`TEXT_KEYS` (``id``,
``parent``, ``team``, ``title``, ...) an unquoted scalar that YAML would read as a
number, boolean or date keeps its source text: ``id: 1.10`` is ``"1.10"`` (not 1.1),
``id: 0x1F`` is ``"0x1F"`` (not 31). Plans have no yes/no fields, so ``yes``, ``no``,
``on``, ``off`` are always text (``cadence_days: yes`` is "not a number", not 1).
The names that key ``teams:`` and ``people:`` are kept as written too. Quoting is never
needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from okrkit.errors import PlanError, Problem, dotted

MAX_DEPTH = 64
MAX_ALIASES = 10_000
MAX_NODES = 5_000_000
MAX_CHARS = 64 * 1024 * 1024

TEXT_KEYS = frozenset(
    {"id", "parent", "team", "owner", "title", "metric", "unit", "description", "period",
     "override_reason", "lessons", "next_actions", "project", "sponsor", "contributors",
     "roles", "role", "name", "note", "state", "destinations", "connection", "sql", "file",
     "python"}
)
#: mappings whose keys are names (teams, people): kept as written too
NAME_MAPS = frozenset({("teams",), ("people",)})
_Y = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE = _Y + "str", _Y + "map", _Y + "seq", _Y + "merge"
_CONSTRUCT = SafeConstructor.yaml_constructors
_SCALARS = {t: _CONSTRUCT[t] for t in
            (_Y + "null", _Y + "bool", _Y + "int", _Y + "float", _Y + "timestamp")}
_BOOL = _Y + "bool"
_KEEP_TEXT = {_Y + "int", _Y + "float", _Y + "timestamp"}


class YamlDoc:
    """Loaded plain data plus the node tree it came from (for line numbers)."""

    def __init__(self, data: Any, root: Node) -> None:
        self.data = data
        self.root = root

    def line_of(self, loc: Sequence[Any]) -> int | None:
        """The 1-based line of the deepest node on ``loc`` (keys and indices) found."""
        node: Node = self.root
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, MappingNode):
                want = part.isoformat() if hasattr(part, "isoformat") else str(part)
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == want:
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def load_yaml(text: str, source: str | None) -> YamlDoc:
    """Parse YAML text once (libyaml) into plain data; see the module docstring.

    Raises
    ------
    PlanError
        Malformed YAML, an unsafe tag, a duplicate key, a limit exceeded, or no data.
    """

    def fail(message: str, line: int | None, code: str) -> PlanError:
        return PlanError([Problem(message, file=source, line=line, code=code)], file=source)

    if len(text) > MAX_CHARS:
        raise fail(f"the file is too large for a plan ({len(text):,} characters, at most "
                   f"{MAX_CHARS:,})", None, "too-large")
    if not text.strip():
        raise fail("the file is empty", 1, "empty")
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = str(getattr(err, "problem", None) or err)
        if "maximum nesting depth" in problem:
            raise fail(f"the YAML is nested too deeply ({problem})", line, "too-large") from err
        raise fail(f"malformed YAML: {problem}", line, "malformed") from err
    if root is None:
        raise fail("the file is empty", 1, "empty")
    builder = _Builder(source)
    data = builder.build(root, 0, (), False)
    if builder.duplicates:
        raise PlanError(builder.duplicates, file=source)
    if data is None:
        raise fail("the file is empty", 1, "empty")
    return YamlDoc(data, root)


class _Builder:
    """Plain data from composed nodes; memoised per node (aliases), with the limits."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.memo: dict[int, Any] = {}
        self.size: dict[int, int] = {}
        self.open: set[int] = set()
        self.aliases = 0
        self.duplicates: list[Problem] = []

    def _fail(self, node: Node, message: str, code: str) -> PlanError:
        line = node.start_mark.line + 1
        return PlanError([Problem(message, file=self.source, line=line, code=code)],
                         file=self.source)

    def build(self, node: Node, depth: int, path: tuple[Any, ...], text: bool) -> Any:
        key = id(node)
        if key in self.memo:
            if key in self.open:
                raise self._fail(node, "an alias refers to a node that contains it",
                                 "too-large")
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self._fail(node, f"too many YAML aliases (at most {MAX_ALIASES:,})",
                                 "too-large")
            return self.memo[key]
        if depth > MAX_DEPTH:
            raise self._fail(node, f"the YAML is nested deeper than {MAX_DEPTH} levels",
                             "too-large")
        if isinstance(node, ScalarNode):
            value = self.scalar(node, text)
            self.memo[key], self.size[key] = value, 1
            return value
        if node.tag not in (_MAP, _SEQ):
            raise self._unsafe(node)
        self.open.add(key)
        if isinstance(node, SequenceNode):
            out: Any = []
            self.memo[key] = out
            size = 1
            for i, item in enumerate(node.value):
                value, n = self.child(item, depth, (*path, i), text)
                out.append(value)
                size += n
        else:
            out, size = self.mapping(node, depth, path)
        self.open.discard(key)
        self.size[key] = size
        if size > MAX_NODES:
            raise self._fail(node, f"the YAML expands to more than {MAX_NODES:,} nodes "
                             "(an alias bomb?)", "too-large")
        return out

    def child(self, node: Node, depth: int, path: tuple[Any, ...], text: bool
              ) -> tuple[Any, int]:
        """A child node's value and expanded size."""
        if node.__class__ is ScalarNode:  # the common case, without the memo
            return (node.value if node.tag == _STR else self.scalar(node, text)), 1  # type: ignore[arg-type]
        return self.build(node, depth + 1, path, text), self.size[id(node)]

    def mapping(self, node: MappingNode, depth: int, path: tuple[Any, ...]
                ) -> tuple[dict[Any, Any], int]:
        out: dict[Any, Any] = {}
        self.memo[id(node)] = out
        size = 1
        merges: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                raise self._fail(key_node, "a mapping key must be plain text", "wrong-type")
            if key_node.tag == _MERGE:
                merged, n = self.child(value_node, depth, path, False)
                merges.append(merged)
                size += n
                continue
            k = (key_node.value if key_node.tag == _STR or path in NAME_MAPS
                 else self.scalar(key_node, False))
            if k in out:
                self.duplicate(node, key_node, k, path)
            out[k], n = self.child(value_node, depth, (*path, k), k in TEXT_KEYS)
            size += n
        for merged in merges:
            for m in merged if isinstance(merged, list) else [merged]:
                if not isinstance(m, dict):
                    raise self._fail(node, "the merge key << needs a mapping", "wrong-type")
                for k, v in m.items():
                    out.setdefault(k, v)
        return out, size

    def duplicate(self, node: MappingNode, key_node: ScalarNode, k: Any, path: tuple[Any, ...]
                  ) -> None:
        first = next(kn.start_mark.line + 1 for kn, _ in node.value
                     if isinstance(kn, ScalarNode)
                     and (kn.value if path in NAME_MAPS else self.scalar(kn, False)) == k)
        self.duplicates.append(Problem(
            f"key '{k}' appears twice (first on line {first})", file=self.source,
            line=key_node.start_mark.line + 1, field=dotted((*path, k)), code="duplicate-key"))

    def scalar(self, node: ScalarNode, text: bool) -> Any:
        tag = node.tag
        if tag in (_STR, _BOOL) or (text and not node.style and tag in _KEEP_TEXT):
            return node.value  # (libyaml gives plain scalars style '', PyYAML None)
        make = _SCALARS.get(tag)
        if make is None:
            raise self._unsafe(node)
        try:
            return make(_CONSTRUCTOR, node)
        except (ValueError, TypeError, OverflowError):
            return node.value  # e.g. 2026-13-45: the field's parser says what is wrong

    def _unsafe(self, node: Node) -> PlanError:
        return self._fail(
            node,
            "YAML tags that construct objects are not allowed (plans are plain data): "
            f"{node.tag}", "unsafe-tag")


_CONSTRUCTOR = SafeConstructor()

