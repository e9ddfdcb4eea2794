"""Render `docs/configuration.md` from the config models themselves, so the reference cannot drift.

Each setting's explanation is the comment written just above the field in its section's model and at the
end of its line (or the field's `description`), its type and default come from pydantic — one source for code and docs.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import textwrap
import tokenize
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from salesglass.config import Config


def _field_comments(model: type[BaseModel]) -> dict[str, str]:
    """Each field's comments: the comment lines directly above its `name: type = …` statement, then
    the end-of-line comments on the statement itself (`port: int = 8000  # the dashboard's port`)."""
    try:
        source = textwrap.dedent(inspect.getsource(model))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}  # line → comment text
    own_line: set[int] = set()  # lines holding nothing but a comment
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
            if not tok.line[: tok.start[1]].strip():
                own_line.add(tok.start[0])
    body = ast.parse(source).body[0]
    out: dict[str, str] = {}
    for stmt in getattr(body, "body", []):
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        above: list[str] = []
        line = stmt.lineno - 1
        while line in own_line:
            above.insert(0, comments[line])
            line -= 1
        after = [comments[n] for n in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1) if n in comments]
        text = " ".join(c for c in above + after if c)
        if text:
            out[stmt.target.id] = text
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
    comments: dict[str, str] = {}
    for cls in reversed(model.__mro__):  # a field documented in a base section model keeps its meaning
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            comments.update(_field_comments(cls))
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
