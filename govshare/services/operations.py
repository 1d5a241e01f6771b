"""An operation's declaration: checking one entered by hand, reading them from an OpenAPI 3
document (JSON), and matching a proxied path to the operation it names.

In an OpenAPI document, a parameter or response property says which catalog data item it
carries with `x-govshare-item`; without it, a name equal to a data item's identifier is taken
as that item.
"""

import functools
import json
import re

from django.utils.translation import gettext as _

from govshare.core.exceptions import ValidationError

PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
TYPES = ("string", "integer", "number", "boolean")
LOCATIONS = ("path", "query", "body")
METHODS = ("GET", "POST")
KINDS = ("object", "array")


def _error(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})


def checked(declaration: dict, items: set[str]) -> dict:
    """The operation `declaration` with defaults filled in, or ValidationError naming the first
    wrong field. `items`: the identifiers of the resource's data items."""
    operation_id = str(declaration.get("operation_id") or "").strip()
    if not NAME.match(operation_id):
        raise _error("operation_id", _("操作标识应为字母、数字、_、.或-，以字母或_开头。"))
    method = str(declaration.get("method") or "GET").upper()
    if method not in METHODS:
        raise _error("method", _("方法只能是 GET 或 POST。"))
    path = str(declaration.get("path_template") or "")
    if not path.startswith("/") or len(path) > 300 or "?" in path or "#" in path:
        raise _error("path_template", _("路径模板应以 / 开头，不含 ? 或 #。"))
    parameters = [_parameter(p, items, method) for p in declaration.get("parameters") or []]
    names = [p["name"] for p in parameters]
    if len(set(names)) != len(names):
        raise _error("parameters", _("参数名不能重复。"))
    in_path = PARAMETER.findall(path)
    declared = [p["name"] for p in parameters if p["in"] == "path"]
    if sorted(in_path) != sorted(declared):
        raise _error("parameters", _("路径模板中的参数与声明的路径参数不一致。"))
    kind = declaration.get("response_kind") or "object"
    if kind not in KINDS:
        raise _error("response_kind", _("返回形式只能是 object 或 array。"))
    fields = declaration.get("response_fields") or {}
    if not isinstance(fields, dict) or not fields:
        raise _error("response_fields", _("请声明返回的字段。"))
    return {"operation_id": operation_id, "method": method, "path_template": path,
            "summary": str(declaration.get("summary") or "")[:300], "parameters": parameters,
            "response_kind": kind,
            "response_fields": {name: _field(name, spec, items) for name, spec in fields.items()}}


def _parameter(spec, items: set[str], method: str) -> dict:
    if not isinstance(spec, dict) or not NAME.match(str(spec.get("name") or "")):
        raise _error("parameters", _("每个参数须有名称（字母、数字、_、.或-）。"))
    name = spec["name"]
    location = spec.get("in") or "query"
    if location not in LOCATIONS or (location == "body" and method != "POST"):
        raise _error(f"parameters.{name}", _("参数位置只能是 path、query，POST 还可以是 body。"))
    type_ = spec.get("type") or "string"
    if type_ not in TYPES:
        raise _error(f"parameters.{name}", _("参数类型只能是 string、integer、number、boolean。"))
    pattern = str(spec.get("pattern") or "")
    if pattern:
        try:
            re.compile(pattern)
        except re.error:
            raise _error(f"parameters.{name}", _("参数的格式（正则表达式）无效。")) from None
    item = str(spec.get("item") or "")
    if item and item not in items:
        raise _error(f"parameters.{name}", _("资源没有信息项“%(item)s”。") % {"item": item})
    return {"name": name, "in": location, "type": type_, "pattern": pattern, "item": item,
            "required": bool(spec.get("required")) or location == "path"}


def _field(name: str, spec, items: set[str]) -> dict:
    spec = spec if isinstance(spec, dict) else {}
    type_ = spec.get("type") or "string"
    if not NAME.match(str(name)) or type_ not in TYPES:
        raise _error(f"response_fields.{name}",
                     _("返回字段须有合法名称，类型只能是 string、integer、number、boolean。"))
    item = str(spec.get("item") or "")
    if item and item not in items:
        raise _error(f"response_fields.{name}", _("资源没有信息项“%(item)s”。") % {"item": item})
    return {"type": type_, "item": item, "required": bool(spec.get("required"))}


def from_openapi(document: bytes, items: set[str]) -> list[dict]:
    """The operations of an OpenAPI 3 document (JSON), checked; ValidationError on `document`
    when it is not one or declares nothing usable."""
    try:
        spec = json.loads(document)
    except (UnicodeDecodeError, ValueError):
        raise _error("document", _("应上传 JSON 格式的 OpenAPI 3 文档。")) from None
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3."):
        raise _error("document", _("应上传 JSON 格式的 OpenAPI 3 文档。"))
    found = []
    for path, path_item in (spec.get("paths") or {}).items():
        shared = path_item.get("parameters") or []
        for method in ("get", "post"):
            operation = path_item.get(method)
            if not isinstance(operation, dict):
                continue
            declaration = _declaration(spec, path, method, operation, shared, items)
            found.append(checked(declaration, items))
    if not found:
        raise _error("document", _("文档中没有 GET 或 POST 操作。"))
    return found


def _resolved(spec: dict, node):
    """`node` with a local `$ref` (#/components/...) followed."""
    for _depth in range(10):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        target = spec
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def _item(spec: dict, name: str, items: set[str]) -> str:
    return spec.get("x-govshare-item") or (name if name in items else "")


def _declaration(spec, path, method, operation, shared, items) -> dict:
    parameters = []
    for raw in [*shared, *(operation.get("parameters") or [])]:
        parameter = _resolved(spec, raw)
        schema = _resolved(spec, parameter.get("schema") or {})
        parameters.append({"name": parameter.get("name"), "in": parameter.get("in"),
                           "required": parameter.get("required", False),
                           "type": schema.get("type", "string"),
                           "pattern": schema.get("pattern", ""),
                           "item": _item(parameter, str(parameter.get("name")), items)})
    body = _resolved(spec, operation.get("requestBody") or {})
    body_schema = _resolved(spec, ((body.get("content") or {}).get("application/json") or {})
                            .get("schema") or {})
    for name, prop in (body_schema.get("properties") or {}).items():
        prop = _resolved(spec, prop)
        parameters.append({"name": name, "in": "body", "type": prop.get("type", "string"),
                           "required": name in (body_schema.get("required") or []),
                           "pattern": prop.get("pattern", ""), "item": _item(prop, name, items)})
    responses = operation.get("responses") or {}
    answer = _resolved(spec, responses.get("200") or responses.get(200) or {})
    schema = _resolved(spec, ((answer.get("content") or {}).get("application/json") or {})
                       .get("schema") or {})
    kind = "object"
    if schema.get("type") == "array":
        kind, schema = "array", _resolved(spec, schema.get("items") or {})
    required = schema.get("required") or []
    fields = {}
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolved(spec, prop)
        fields[name] = {"type": prop.get("type", "string"), "required": name in required,
                        "item": _item(prop, name, items)}
    operation_id = operation.get("operationId") or f"{method}_{path}".replace("/", "_")
    return {"operation_id": re.sub(r"[^A-Za-z0-9_.-]", "_", operation_id).lstrip("0123456789.-"),
            "method": method.upper(), "path_template": path,
            "summary": operation.get("summary", ""), "parameters": parameters,
            "response_kind": kind, "response_fields": fields}


@functools.lru_cache(maxsize=1024)
def route(path_template: str) -> re.Pattern:
    """The pattern matching a concrete path of `path_template`; a parameter is one segment."""
    pattern, last = "", 0
    for match in PARAMETER.finditer(path_template):
        pattern += re.escape(path_template[last:match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        last = match.end()
    return re.compile(pattern + re.escape(path_template[last:]) + r"\Z")


def match(operations, method: str, path: str):
    """(operation, path values) of the operation `method path` names, or (None, {})."""
    for operation in operations:
        if operation.method != method:
            continue
        found = route(operation.path_template).match(path)
        if found:
            return operation, found.groupdict()
    return None, {}
