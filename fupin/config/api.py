"""The JSON API under /api/v1/: one NinjaAPI, each app contributes its router."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from fupin.accounts.api import router as accounts_router
from fupin.accounts.api_auth import API_AUTH
from fupin.accounts.users_api import router as users_router
from fupin.areas.api import router as areas_router
from fupin.assessment.api import router as assessment_router
from fupin.core.api import router as core_router
from fupin.core.api_errors import document_errors, install_error_handlers
from fupin.crosscheck.api import router as crosscheck_router
from fupin.hotline.api import router as hotline_router
from fupin.measures.api import router as measures_router
from fupin.monitoring.api import router as monitoring_router
from fupin.notices.api import router as notices_router
from fupin.plan.api import router as plan_router
from fupin.projects.api import router as projects_router
from fupin.registry.api import router as registry_router
from fupin.registry.helper_api import router as helpers_router
from fupin.registry.proposal_api import router as proposals_router
from fupin.workflow.api import router as workflow_router


class ReadableJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not ``\\uXXXX`` escapes: readable in logs and by clerks' tools."""

    json_dumps_params = {"ensure_ascii": False}


class FupinAPI(NinjaAPI):
    """The API whose OpenAPI document also lists every operation's error statuses in the envelope."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
                           ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = FupinAPI(
    renderer=ReadableJSONRenderer(),
    title="Fupin 精准扶贫管理平台 API",
    version="1",
    description="所有接口需要登录会话或 API 令牌（Authorization: Bearer …）。错误统一为 "
    '{"message", "code", "fields"}. / Every endpoint needs a session or a bearer token.',
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/accounts", accounts_router)
api.add_router("/accounts", users_router)
api.add_router("/areas", areas_router)
api.add_router("/audit", core_router)
api.add_router("/registry", registry_router)
api.add_router("/registry", helpers_router)
api.add_router("/registry", proposals_router)
api.add_router("/notices", notices_router)
api.add_router("/workflow", workflow_router)
api.add_router("/assessment", assessment_router)
api.add_router("/crosscheck", crosscheck_router)
api.add_router("/plan", plan_router)
api.add_router("/projects", projects_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/hotline", hotline_router)
api.add_router("/measures", measures_router)
