"""The template library the planning workshop starts from.

The templates live in ``data/templates/`` (see :func:`template_dir`), one YAML file per
template, listed in ``data/templates/index.yaml``:

* ``project-types/`` — the eight OKR templates by AI project type of
  ``docs/seeds/okrs-framework-for-ai-projects.md``,
* ``stakeholders/`` — the three stakeholder templates (data science, MLOps, product),
* ``business-value/`` — the four business-value OKRs,
* ``caio/`` — the Chief AI Officer's three objectives.

Each file has a ``template:`` block (``id``, ``name``, ``category``, ``description``,
``seed`` — the framework document in ``docs/seeds/`` —, ``source`` — its section —,
``suggested_owner``, optional ``timelines``)
and ``objectives:`` in the plan YAML format with placeholder ids ``T-1``, ``T-1.1`` ….
Key result titles are the document's, verbatim, ``[use case]`` placeholders included.

Where the document gives no baseline for an ``increase``/``decrease`` key result the template
leaves ``baseline`` out: the workshop measures it. :func:`instantiate` turns a template
into plan YAML text for one period and team.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from okrkit.config import sample_dir
from okrkit.errors import OKRKitError
from okrkit.models import KeyResultModel, ObjectiveModel
from okrkit.period import Period

CATEGORIES = ("project-type", "stakeholder", "business-value", "caio")
TEMPLATE_COLUMNS = [
    "id",
    "name",
    "category",
    "description",
    "n_objectives",
    "n_key_results",
    "file",
]
TODO_BASELINE = "# TODO baseline"

_PLACEHOLDER = re.compile(r"^T-(\d+(?:\.\d+)?)$")
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
_SENTINEL = "__okrkit_todo_baseline__"


class TemplateError(OKRKitError):
    """A template is unknown, unreadable or cannot be turned into a plan."""


class UnknownTemplateError(TemplateError):
    """No template has the requested id (the message lists the available ids)."""


def template_dir() -> Path:
    """The folder of the template library: ``okrkit.config.sample_dir() / "templates"``.

    ``sample_dir()`` follows the current directory up to the workbench (so notebooks in
    ``notebooks/`` find it too). If that has no template library — e.g. the cwd is
    outside the checkout — the library next to the installed package source is used.
    """
    folder = sample_dir() / "templates"
    if (folder / "index.yaml").is_file():
        return folder
    beside = Path(__file__).resolve().parent.parent / "data" / "templates"
    if (beside / "index.yaml").is_file():
        return beside
    return folder


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise TemplateError(f"cannot read template file {path}: {err.strerror}") from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise TemplateError(f"template file {path} is not valid YAML: {err}") from err


def _index() -> list[dict[str, Any]]:
    folder = template_dir()
    path = folder / "index.yaml"
    if not path.is_file():
        raise TemplateError(f"no template library: {path} does not exist")
    data = _read_yaml(path)
    entries = data.get("templates") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TemplateError(f"{path} must have a 'templates:' list of mappings")
    return entries


def _entry(template_id: str) -> dict[str, Any]:
    entries = _index()
    for e in entries:
        if str(e.get("id")) == template_id:
            return e
    available = ", ".join(sorted(str(e.get("id")) for e in entries))
    raise UnknownTemplateError(f"unknown template '{template_id}'; available: {available}")


def _template_path(entry: Mapping[str, Any]) -> Path:
    folder = template_dir().resolve()
    path = (folder / str(entry.get("file", ""))).resolve()
    if not path.is_relative_to(folder) or path == folder:
        raise TemplateError(
            f"template '{entry.get('id')}': file {entry.get('file')!r} is not inside {folder}"
        )
    return path


def list_templates(category: str | None = None) -> pd.DataFrame:
    """The template library as a frame, in index order.

    Columns: ``id, name, category, description, n_objectives, n_key_results, file``
    (``file`` relative to :func:`template_dir`). ``category`` filters on one of
    ``project-type``, ``stakeholder``, ``business-value``, ``caio``.

    >>> sorted(set(list_templates()["category"]))
    ['business-value', 'caio', 'project-type', 'stakeholder']
    >>> list(list_templates("caio")["id"])
    ['caio-office']
    """
    if category is not None and category not in CATEGORIES:
        raise TemplateError(
            f"unknown template category '{category}'; available: {', '.join(CATEGORIES)}"
        )
    rows = []
    for entry in _index():
        if category is not None and entry.get("category") != category:
            continue
        data = _load(entry)
        objectives = data.get("objectives") or []
        rows.append(
            {
                "id": str(entry.get("id")),
                "name": entry.get("name") or data["template"].get("name"),
                "category": entry.get("category") or data["template"].get("category"),
                "description": data["template"].get("description"),
                "n_objectives": len(objectives),
                "n_key_results": sum(len(o.get("key_results") or []) for o in objectives),
                "file": str(entry.get("file")),
            }
        )
    frame = pd.DataFrame(rows, columns=TEMPLATE_COLUMNS)
    return frame.astype({"n_objectives": "int64", "n_key_results": "int64"})


def _load(entry: Mapping[str, Any]) -> dict[str, Any]:
    path = _template_path(entry)
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("template"), dict):
        raise TemplateError(f"template file {path} needs a 'template:' block")
    if not isinstance(data.get("objectives"), list) or not data["objectives"]:
        raise TemplateError(f"template file {path} needs a non-empty 'objectives:' list")
    return data


def load_template(template_id: str) -> dict[str, Any]:
    """The raw data of one template (``{"template": {...}, "objectives": [...]}``).

    Loaded with ``yaml.safe_load``; a fresh copy each call, so callers may edit it.

    Raises
    ------
    UnknownTemplateError
        No template has that id; the message lists the available ids.

    >>> load_template("caio-office")["objectives"][0]["id"]
    'T-1'
    """
    return _load(_entry(str(template_id)))


def _rewrite_id(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        m = _PLACEHOLDER.match(value.strip())
        if m:
            return f"{prefix}-{m.group(1)}"
    return value


def instantiate(
    template_id: str,
    *,
    period: str,
    team: str,
    prefix: str,
    parent: str | None = None,
    owner: str | None = None,
    baselines: Mapping[str, float] | None = None,
) -> str:
    """A template as plan YAML text for one period and team.

    Ids are rewritten ``T-1`` → ``<prefix>-1`` and ``T-1.1`` → ``<prefix>-1.1``; every
    objective gets ``team``; ``parent`` (an objective id, e.g. the business-unit
    objective this team supports) goes on the template's root objectives; ``owner``, when
    given, replaces the template's owner on every objective. The template's ``level``,
    ``kind``, key result titles, units, directions, baselines and targets are kept.

    Missing baselines: :func:`okrkit.plan.parse_plan` requires a baseline for
    ``increase``/``decrease`` key results (``at_least``, ``at_most`` and ``milestone``
    need none). ``baselines`` (keyed by template id ``T-1.2`` or new id ``<prefix>-1.2``)
    supplies the ones the workshop measured. Any ``increase`` key result still without one
    is written as ``baseline: 0  # TODO baseline`` so the text parses; measure it and edit
    the line before check-ins start. A ``decrease`` key result without a baseline cannot
    be filled with 0 (the target would lie above it) and raises :class:`TemplateError`
    naming it — the shipped templates have none.

    The text parses with ``parse_plan(text)``; when ``parent`` is set the parent lives
    elsewhere (another plan or the store), so pass ``known_ids=[parent]``.

    Raises
    ------
    UnknownTemplateError
        Unknown ``template_id`` (the message lists the available ids).
    TemplateError
        A bad ``period``, ``team`` or ``prefix``, or an unfillable baseline.

    >>> from okrkit.plan import parse_plan
    >>> text = instantiate("caio-office", period="2026-Q2", team="caio-office", prefix="CAIO")
    >>> plan = parse_plan(text)
    >>> list(plan.objectives["objective_id"])
    ['CAIO-1', 'CAIO-2', 'CAIO-3']
    >>> "CAIO-2.3" in set(plan.key_results["kr_id"])
    True
    """
    data = load_template(template_id)
    meta = data["template"]
    try:
        label = Period.parse(period).label
    except OKRKitError as err:
        raise TemplateError(str(err)) from err
    team = str(team).strip() if team is not None else ""
    if not team:
        raise TemplateError("instantiate needs a team name")
    prefix = str(prefix).strip() if prefix is not None else ""
    if not _PREFIX.match(prefix):
        raise TemplateError(
            f"prefix {prefix!r} must be letters, digits or '_' (e.g. 'BOT'): it starts every id"
        )
    given = {str(k): v for k, v in (baselines or {}).items()}

    objectives: list[dict[str, Any]] = []
    for raw in data["objectives"]:
        o = copy.deepcopy(raw)
        template_parent = o.get("parent")
        o["id"] = _rewrite_id(o.get("id"), prefix)
        if template_parent is not None:
            o["parent"] = _rewrite_id(template_parent, prefix)
        elif parent is not None:
            o["parent"] = str(parent)
        o["team"] = team
        if owner is not None:
            o["owner"] = owner
        krs = []
        for raw_kr in o.get("key_results") or []:
            k = dict(raw_kr)
            old_id = str(k.get("id"))
            k["id"] = _rewrite_id(k.get("id"), prefix)
            for key in (old_id, str(k["id"])):
                if key in given:
                    k["baseline"] = given[key]
            if k.get("direction") in ("increase", "decrease") and k.get("baseline") is None:
                if k["direction"] == "decrease":
                    raise TemplateError(
                        f"template '{template_id}', key result {old_id} "
                        f"('{k.get('title')}'): a 'decrease' key result needs a baseline; "
                        f"pass baselines={{'{old_id}': <current value>}}"
                    )
                k["baseline"] = _SENTINEL
            krs.append(_ordered(k))
        o["key_results"] = krs
        objectives.append(_ordered_objective(o))

    plan = {
        "period": label,
        "description": f"{meta.get('name')} — drafted from okrkit template '{meta.get('id')}'",
        "objectives": objectives,
    }
    header = (
        f"# Draft plan for team '{team}', {label}, from okrkit template '{meta.get('id')}'\n"
        f"# ({meta.get('source')}).\n"
        f"# Lines marked '{TODO_BASELINE}' need a measured baseline before check-ins start.\n"
    )
    body = yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, width=100)
    body = body.replace(f"baseline: {_SENTINEL}", f"baseline: 0  {TODO_BASELINE}")
    return header + body


# the plan schema's field order, so instantiated YAML reads like a hand-written plan
_KR_ORDER = tuple(KeyResultModel.model_fields)
_OBJECTIVE_ORDER = tuple(f for f in ObjectiveModel.model_fields if f not in ("key_results", "review"))


def _ordered(k: dict[str, Any]) -> dict[str, Any]:
    out = {key: k[key] for key in _KR_ORDER if key in k}
    out.update({key: v for key, v in k.items() if key not in out})
    return out


def _ordered_objective(o: dict[str, Any]) -> dict[str, Any]:
    out = {key: o[key] for key in _OBJECTIVE_ORDER if key in o}
    out.update({key: v for key, v in o.items() if key not in out and key != "key_results"})
    out["key_results"] = o.get("key_results") or []
    return out
