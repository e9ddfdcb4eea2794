"""SQL quoting and transactions are written once, in salesglass/sql.py; this guard keeps it that way.

It reads every module of salesglass/ (the AST, nothing runs) and fails, naming the line, on:
- quoting by hand: `.replace('"', '""')`, `.replace("'", "''")`, or stripping a quote (`.replace('"', '')`),
  and `'"' + name + '"'`; use `quote_ident` / `quote_lit` (stripping turns `O"Neil` into another name);
- a formatted value between quotes in SQL text: f'FROM "{table}"', f"WHERE source = '{name}'" (SQL text is
  an f-string that starts with a statement keyword, or the text handed to `execute`, `raw_sql`, …);
- a transaction written by hand: a `BEGIN` / `COMMIT` / `ROLLBACK` statement or `.begin()` / `.commit()` /
  `.rollback()`; use `with transaction(con):`, which also rolls back on Ctrl+C;
- a quoting helper taken from anywhere but salesglass/sql.py (a module that re-exports one hides where
  the one copy is).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salesglass"
HOME = "sql.py"  # salesglass/sql.py: the one place these are written

QUOTES = ('"', "'")
STATEMENT = re.compile(
    r"^\s*\(?\s*(SELECT|WITH|INSERT|CREATE|DELETE|UPDATE|DROP|ALTER|ATTACH|DETACH|COPY|SET|RESET|PRAGMA|MERGE|"
    r"TRUNCATE|EXPLAIN|DESCRIBE|SUMMARIZE|INSTALL|LOAD|CALL|EXPORT|IMPORT)\b"
)
TRANSACTION = re.compile(r"(^|;)\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|ABORT)\b")
RUNS_SQL = {"execute", "executemany", "sql", "raw_sql", "query", "command", "rows", "one", "scalar"}
TRANSACTION_CALLS = {"begin", "commit", "rollback"}
HELPERS = {"quote_ident", "quote_lit", "quote_lits", "quote_qualified"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _text(node: ast.JoinedStr) -> str:
    return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)


def _quoted_value(node: ast.JoinedStr) -> bool:
    """A formatted value with a quote right before and right after it: `"{name}"` or `'{value}'`."""
    parts = node.values
    for i, part in enumerate(parts):
        if not isinstance(part, ast.FormattedValue) or i == 0 or i == len(parts) - 1:
            continue
        before, after = parts[i - 1], parts[i + 1]
        if (
            isinstance(before, ast.Constant)
            and isinstance(after, ast.Constant)
            and any(str(before.value).endswith(q) and str(after.value).startswith(q) for q in QUOTES)
        ):
            return True
    return False


def _const(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _from_sql_py(node: ast.ImportFrom) -> bool:
    """`from salesglass.sql import …`, or a relative import of the same module (`from ..sql import …`)."""
    return node.module == "salesglass.sql" or (node.level > 0 and (node.module or "").split(".")[-1] == "sql")


def findings(path: Path, root: Path = PACKAGE) -> list[str]:
    """`file:line: rule: code` for every break of the rules in one module."""
    rel = path.relative_to(root).as_posix()
    if rel == HOME:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    sql_args = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RUNS_SQL
        and node.args
        and isinstance(node.args[0], ast.JoinedStr)
    }
    out: list[tuple[int, str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not _from_sql_py(node):
            if any(alias.name in HELPERS for alias in node.names):
                out.append((node.lineno, "a quoting helper not from salesglass.sql", node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, args = node.func.attr, node.args
            quote, by = (_const(args[0]), _const(args[1])) if len(args) == 2 else (None, None)
            if name == "replace" and isinstance(quote, str) and quote in QUOTES and by in (quote * 2, ""):
                out.append((node.lineno, "quoting by hand", node))
            elif name in TRANSACTION_CALLS and not args and not node.keywords:
                out.append((node.lineno, "transaction by hand", node))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = node.left, node.right  # '"' + name + '"': an identifier (shell quoting uses ')
            if _const(right) == '"' and isinstance(left, ast.BinOp) and _const(left.left) == '"':
                out.append((node.lineno, "quoting by hand", node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if TRANSACTION.search(node.value):
                out.append((node.lineno, "transaction by hand", node))
        elif isinstance(node, ast.JoinedStr):
            text = _text(node)
            if (id(node) in sql_args or STATEMENT.match(text)) and _quoted_value(node):
                out.append((node.lineno, "quoting by hand", node))  # (its text parts are checked as constants)
    lines = {(line, rule, ast.unparse(node)[:100]) for line, rule, node in out}
    return [f"salesglass/{rel}:{line}: {rule}: {code}" for line, rule, code in sorted(lines)]


def scan(root: Path = PACKAGE) -> list[str]:
    return [f for path in sorted(root.rglob("*.py")) for f in findings(path, root)]


def test_sql_quoting_and_transactions_are_written_only_in_sql_py():
    found = scan()
    assert not found, (
        "use salesglass/sql.py (quote_ident, quote_lit, quote_lits, transaction) instead of:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "code",
    [
        "sql = name.replace('\"', '\"\"')",
        'lit = value.replace("\'", "\'\'")',
        "safe = column.replace('\"', '')  # stripped, not escaped",
        "name = '\"' + table + '\"'",
        "con.execute(f'SELECT count(*) FROM \"{table}\"')",
        "con.execute(f\"DELETE FROM quarantine WHERE source = '{source}'\")",
        'q = f"""\n    SELECT \'{kind}\' AS kind FROM t"""',
        "con.execute('BEGIN TRANSACTION')",
        'con.execute("COMMIT")',
        "con.execute('ROLLBACK')",
        "con.execute(f'INSERT INTO t VALUES (1); COMMIT')",
        "con.commit()",
        "con.rollback()",
        "from salesglass.sources.platform.sql_reader import quote_ident",
    ],
)
def test_each_rule_fails_on_code_that_breaks_it(tmp_path: Path, code: str):
    root = tmp_path / "salesglass"
    root.mkdir()
    (root / "thing.py").write_text(code + "\n", encoding="utf-8")
    found = scan(root)
    assert len(found) == 1 and found[0].startswith("salesglass/thing.py:"), found


@pytest.mark.parametrize(
    "code",
    [
        "con.execute(f'SELECT count(*) FROM {quote_ident(table)} WHERE source = {quote_lit(source)}')",
        'def f():\n    """Runs BEGIN … COMMIT through sql.transaction."""',
        "raise ConfigError(f\"[amocrm].fields: '{key}' is not a field\")",  # a message, not SQL
        'shell = "\'" + value.replace("\'", "\'\\\\\'\'") + "\'"',  # shell quoting, not SQL
        "toml = f'path = \"{path}\"'",  # TOML text, not SQL
        "label = text.replace('\"', '&quot;')",
        "from salesglass.sql import quote_ident, quote_lit, transaction",
        "from ..sql import quote_lits",
    ],
)
def test_what_the_rules_leave_alone(tmp_path: Path, code: str):
    root = tmp_path / "salesglass"
    root.mkdir()
    (root / "thing.py").write_text(code + "\n", encoding="utf-8")
    assert scan(root) == []


def test_sql_py_itself_may_quote(tmp_path: Path):
    root = tmp_path / "salesglass"
    root.mkdir()
    (root / "sql.py").write_text('def quote_lit(v):\n    return "\'" + v.replace("\'", "\'\'") + "\'"\n')
    assert scan(root) == []
