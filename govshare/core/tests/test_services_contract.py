"""Every service checks its permission before it writes, and leaves an audit record (R18).

Read from the source: each public function in an app's services.py must call `authorize(...)`
before its first write, and must call `audit_record(...)` or another service that does.
"""

import ast
from pathlib import Path

import govshare

ROOT = Path(govshare.__file__).parent
WRITES = {"save", "create", "delete", "update", "bulk_create", "get_or_create",
          "update_or_create", "audit_record", "set_password"}
# The audit writers themselves are the functions allowed to write without an actor's permission.
EXEMPT = {("audit", "audit_record"), ("audit", "audit_access")}


def _called_names(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            yield func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _services():
    for path in sorted(ROOT.glob("*/services.py")):
        tree = ast.parse(path.read_text())
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for name, function in functions.items():
            if not name.startswith("_") and (path.parent.name, name) not in EXEMPT:
                yield path.parent.name, name, function, functions


def test_r18_services_are_found():
    names = {name for _app, name, _f, _all in _services()}
    assert {"user_create", "role_assign", "credential_issue", "credential_revoke"} <= names


def test_r18_every_service_authorizes_before_writing():
    offenders = []
    for app, name, function, _all in _services():
        body = [s for s in function.body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        authorized = False
        for statement in body:
            called = set(_called_names(statement))
            if "authorize" in called:
                authorized = True
                break
            if called & WRITES:
                break
        if not authorized:
            offenders.append(f"{app}.services.{name}")
    assert offenders == [], f"services that write before authorize(): {offenders}"


def test_r18_every_service_writes_an_audit_record():
    offenders = []
    for app, name, function, siblings in _services():
        called = set(_called_names(function))
        audited = "audit_record" in called or any(
            "audit_record" in set(_called_names(siblings[c])) for c in called & set(siblings)
        )
        if not audited:
            offenders.append(f"{app}.services.{name}")
    assert offenders == [], f"services that leave no audit record: {offenders}"
