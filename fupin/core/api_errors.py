"""One error envelope for the whole API: ``{"message": ..., "code": ..., "fields": {...}}``, and the OpenAPI
document's account of it: every operation lists the error statuses it may answer, in that envelope."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fupin.core.errors import DomainError

NOT_FOUND = "未找到 / not found"
FORBIDDEN = "无权执行此操作 / you may not do this"
UNAUTHENTICATED = "需要登录或有效的 API 令牌 / sign in or send a valid API token"
INVALID = "请求数据无效 / the request is not valid"
BAD_REQUEST = "无法处理此请求 / the request cannot be handled"
SERVER_ERROR = "服务器处理请求时出错，请稍后再试 / the server failed to answer: try again later"
API_PREFIX = "/api/"


class ErrorOut(Schema):
    """The error envelope: a bilingual message (中文 / English), a stable code, and per-field messages."""

    message: str
    code: str
    fields: dict[str, list[str]]


ERROR_SCHEMA = "ErrorOut"
ERRORS = {
    400: "请求被拒绝（业务规则）/ refused by a rule of the domain",
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: "状态已变化或不允许此操作 / the object's state does not allow this, or someone changed it meanwhile",
    413: "超过一次请求的上限 / more than one request may ask for",
    422: INVALID,
}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _error_statuses(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses one operation may answer: 401/403 behind authentication, 404 with an object in
    its path, 422 with parameters or a body, 400/409 for a write (refusals of the domain and the workflow)."""
    statuses: list[int] = []
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    if method in WRITE_METHODS:
        statuses += [400, 409]
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the envelope (``ErrorOut``) to the components and each operation's error statuses to its
    responses, so the document says what the server answers (schemathesis checks it, ADR 0020)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorOut.model_json_schema()
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(method, path, operation):
                responses.setdefault(status, {"description": ERRORS[status], "content": content})
    return schema


def envelope_response(status: int, code: str, message: str) -> JsonResponse:
    """The envelope outside ninja's own views (Django's error handlers, middleware), as ninja renders it."""
    return JsonResponse({"message": message, "code": code, "fields": {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def envelope(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
             fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(request, {"message": message, "code": code, "fields": fields or {}}, status=status)


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return envelope(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return envelope(api, request, 422, "INVALID", INVALID, _validation_fields(list(exc.errors)))

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return envelope(api, request, 401, "UNAUTHENTICATED", UNAUTHENTICATED)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return envelope(api, request, 404, "NOT_FOUND", NOT_FOUND)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return envelope(api, request, 403, "FORBIDDEN", FORBIDDEN)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return envelope(api, request, exc.status_code, "HTTP_ERROR", str(exc))
