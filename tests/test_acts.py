"""One service layer: the shells (CLI, portal, flows, tasks) write only through act functions.

An act (mark done, schedule, launch, generate a document, import schools, a registry change, a
user change…) is one function with keyword-only arguments that validates, writes and journals in
one transaction (docs/architecture.md lists them). The shells parse, call an act and show its
result; this AST scan fails when one of them adds, merges or deletes rows, builds an
INSERT/UPDATE/DELETE statement or sends raw SQL that writes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELLS = ("web", "nastavnik", "flows", "tasks")
# the portal's own act modules: user changes and the calendar link (users.py), the sign-in
# sessions and links (auth.py), the sign-in throttle (throttle.py), a scan attached to a step
# (uploads.py). Everything else in the shells calls them or the acts of the lower layers.
ACT_MODULES = {"web/users.py", "web/auth.py", "web/throttle.py", "web/uploads.py"}
SESSION_WRITES = {"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings"}
STATEMENTS = {"insert", "update", "delete"}
RAW_WRITE = re.compile(
    r"^\s*(insert\s+into|update\s+\w+\s+set|delete\s+from|replace\s+into)\b", re.I
)


def _writes(source: str) -> list[tuple[int, str]]:
    """Lines of ``source`` that write to the database directly, with what they do."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = ast.unparse(func.value).rsplit(".", 1)[-1]
                if func.attr in SESSION_WRITES and "session" in receiver.lower():
                    found.append((node.lineno, f"{ast.unparse(func)}(…)"))
                # Table.insert(), query.delete(): a statement method called without arguments
                elif func.attr in STATEMENTS and not node.args and not node.keywords:
                    found.append((node.lineno, f"{ast.unparse(func)}()"))
            elif isinstance(func, ast.Name) and func.id in STATEMENTS:
                found.append((node.lineno, f"{func.id}(…)"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if RAW_WRITE.match(node.value):
                found.append((node.lineno, f"raw SQL {node.value.split()[0].upper()}"))
    return found


def _direct_writes() -> list[str]:
    found: list[str] = []
    for package in SHELLS:
        for path in sorted((ROOT / package).rglob("*.py")):
            place = path.relative_to(ROOT).as_posix()
            if place in ACT_MODULES:
                continue
            for line, what in _writes(path.read_text(encoding="utf-8")):
                found.append(f"{place}:{line}: {what}")
    return found


def test_the_cli_the_portal_and_the_flows_write_only_through_acts() -> None:
    found = _direct_writes()
    assert not found, (
        "call an act (a keyword-only function that validates, writes and journals) instead of "
        "writing here; CONTRIBUTING.md says how to add one:\n" + "\n".join(found)
    )


def test_the_scan_sees_every_kind_of_direct_write_and_not_reads() -> None:
    source = "\n".join(
        [
            "session.add(row)",  # 1
            "context.session.delete(row)",  # 2
            "session.exec(delete(Upload).where(Upload.id == 1))",  # 3
            "session.execute(update(StepInstance).values(state='done'))",  # 4
            "session.execute(JournalEntry.__table__.insert(), rows)",  # 5
            "session.execute(text('INSERT INTO outbox (id) VALUES (1)'))",  # 6
            "connection.execute(text('  update step_instance set state = 1'))",  # 7
            "session.merge(row)",  # 8
            "seen.add(code)",
            "context.update(page='x')",
            "steps.insert(0, step)",
            "session.exec(select(StepInstance))",
            "session.connection().execute(text('SELECT state FROM step_instance'))",
            "log('updated the schools')",
        ]
    )
    assert sorted(line for line, _ in _writes(source)) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_the_act_modules_exist() -> None:
    assert all((ROOT / place).is_file() for place in ACT_MODULES)
