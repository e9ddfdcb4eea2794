"""Render `docs/configuration.md` from the config models themselves, so the reference cannot drift.

Each setting's explanation is the comment written just above the field in its section's model (or the
field's `description`), its type and default come from pydantic — one source for code and docs.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from salesglass.config import Config


def _field_comments(model: type[BaseModel]) -> dict[str, str]:
    """Comment lines directly above each `name: type = …` line of the class body."""
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        m = re.match(r"^\s{4}(\w+)\s*:", line)
        if m and pending and not stripped.startswith(("def ", "@")):
            out[m.group(1)] = " ".join(pending)
        pending = []
    return out


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    text = text.replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")
    return text.replace("|", "or")


def _default(field: Any) -> str:
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
        return "(required)"
    if isinstance(value, BaseModel):
        return "(table)"
    if value is None:
        return "(none)"
    if hasattr(value, "get_secret_value"):
        return "(secret)"
    try:
        return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"
    except TypeError:
        return f"`{value}`"


def _section(key: str, model: type[BaseModel], out: list[str]) -> None:
    out += [f"## [{key}]", ""]
    if model.__doc__:
        out += [inspect.cleandoc(model.__doc__), ""]
    comments = _field_comments(model)
    rows: list[str] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        sub = _nested_model(field.annotation)
        shown = field.alias or name
        if sub is not None and field.default is not None:
            nested.append((f"{key}.{shown}", sub))
            continue
        doc = field.description or comments.get(name, "")
        rows.append(f"| `{shown}` | {_type_name(field.annotation)} | {_default(field)} | {doc} |")
    if rows:
        out += ["| key | type | default | meaning |", "|---|---|---|---|", *rows, ""]
    for sub_key, sub in nested:
        _section(sub_key, sub, out)


def render() -> str:
    out = [
        "# Configuration reference",
        "",
        "Generated from the config models by `salesglass config-docs`; do not edit by hand.",
        "salesglass reads one TOML file (`salesglass.toml` in the current folder, or `--config PATH`).",
        "Every section is optional; the defaults run the demo. Unknown keys are errors, and every",
        "wrong value is reported with its key and what is expected. Relative paths are taken from the",
        "config file's folder. `salesglass demo` writes a complete worked example to `demo/salesglass.toml`.",
        "",
    ]
    for name, field in Config.model_fields.items():
        sub = _nested_model(field.annotation)
        if sub is not None:
            _section(field.alias or name, sub, out)
    return "\n".join(out).rstrip() + "\n"
