"""One error envelope for the whole API: ``{"message": ..., "code": ..., "fields": {...}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fupin.core.errors import DomainError

NOT_FOUND = "未找到 / not found"
FORBIDDEN = "无权执行此操作 / you may not do this"
UNAUTHENTICATED = "需要登录或有效的 API 令牌 / sign in or send a valid API token"
INVALID = "请求数据无效 / the request is not valid"


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
