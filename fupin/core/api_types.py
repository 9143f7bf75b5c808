"""The API's parameter types: every route's IDs, paging, years, days and text use these (ADR 0020).

Each carries its range as a pydantic constraint, so a value out of range is refused with 422 in the error
envelope (``fupin.core.api_errors``) before the route runs, and the OpenAPI document states the range
(``minimum``/``maximum``/``pattern``). Without them ``offset=-1`` reached the ORM (negative slicing raises),
an ID of 2**63 overflowed the database driver and a year of 99999 overflowed ``date``: each answered 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.conf import settings
from ninja import Schema
from pydantic import BaseModel, Field, ModelWrapValidatorHandler, model_validator

ID_MAX = 2**63 - 1
"""The largest primary key either engine stores (a signed 64-bit integer)."""
OFFSET_MAX = 1_000_000_000
"""Far beyond any county's rows, and far below the 64-bit limit that offset + limit must stay under."""
YEAR_MIN, YEAR_MAX = 2000, 2100
DAY_MIN, DAY_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
NO_NUL = r"^[^\x00]*$"
"""Text without NUL characters: PostgreSQL cannot store or compare them (the driver raises)."""


def limit_max() -> int:
    return int(settings.FUPIN_API_LIMIT_MAX)


def limit_default(rows: int) -> int:
    """A route's default page size, never above the installation's maximum."""
    return min(rows, limit_max())


Id = Annotated[int, Field(ge=1, le=ID_MAX, description="正整数编号 / a positive integer ID")]
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX, description="跳过的条数 / rows to skip")]
Limit = Annotated[int, Field(ge=1, le=limit_max(), description="每页条数 / rows per page")]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX, description="年度 / a year")]
Month = Annotated[int, Field(ge=1, le=12, description="月份 / a month")]
Day = Annotated[date, Field(ge=DAY_MIN, le=DAY_MAX, description="日期 YYYY-MM-DD，2000-01-01 至 2100-12-31 / "
                                                                 "a day from 2000-01-01 to 2100-12-31")]
Moment = Annotated[datetime, Field(ge=datetime(YEAR_MIN, 1, 1), le=datetime(YEAR_MAX, 12, 31, 23, 59, 59),
                                   description="时间（ISO 8601），2000 至 2100 年 / a moment (ISO 8601) from 2000 "
                                               "to 2100")]
Text = Annotated[str, Field(pattern=NO_NUL)]

NOT_AN_OBJECT = "请求体须为 JSON 对象 / the body must be a JSON object"


class BodyIn(Schema):
    """The base of every request body (JSON or form fields): an object, never a list or a scalar.

    ninja's ``Schema`` reads any value's attributes, so without this a body of ``[null, null]`` would pass as
    a schema whose fields all have defaults, and change something nobody asked for."""

    @model_validator(mode="wrap")
    @classmethod
    def _an_object(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, (dict, BaseModel)):
            raise ValueError(NOT_AN_OBJECT)
        return handler(data)
