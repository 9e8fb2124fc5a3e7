"""Strict parsing of JSON request bodies, for every route of the API.

Python's `json` module accepts `NaN`, `Infinity` and `-Infinity`, which are not
JSON, and turns numbers such as `1e400` into infinity. PostgreSQL rejects such
values in JSON columns and SQLite stores them as null, so they are rejected here
with the field that contains them. So are names that appear twice in one
object, of which `json` would silently keep the last value. Bodies that are not
UTF-8 or nest too deeply are rejected as malformed JSON instead of reaching the
generic 400 handler.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from tierdesk.api.errors import field_path

# Request models nest a few levels at most; the limit keeps parsing and
# validation far from Python's recursion limit.
MAX_JSON_DEPTH = 32


class InvalidBody(HTTPException):
    """A JSON body rejected before validation, with a stable code and the field."""

    def __init__(self, status: int, code: str, message: str, field: str) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code
        self.field = field
        # A 422 lists its problem as validation errors do.
        self.details = (
            [
                {
                    "code": code,
                    "field": field,
                    "message": message.removeprefix(f"{field}: "),
                }
            ]
            if status == 422
            else []
        )


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is parsed by `parse_json_body`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler


def parse_json_body(body: bytes) -> Any:
    """Parse a request body as UTF-8 JSON with finite numbers only.

    Raises InvalidBody for text that is not UTF-8, nesting deeper than
    MAX_JSON_DEPTH and non-finite numbers. Syntax errors raise
    json.JSONDecodeError, which FastAPI reports as malformed JSON.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(
            400,
            "malformed_json",
            f"the request body is not valid UTF-8 (invalid byte at offset {exc.start})",
            "body",
        ) from None
    try:
        value = json.loads(text, object_pairs_hook=_object)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits.
        raise InvalidBody(
            400,
            "malformed_json",
            "the request body contains a number too long to read; send numbers "
            "of at most 4,300 digits",
            "body",
        ) from None
    _check_values(value)
    return value


def _too_deep() -> InvalidBody:
    return InvalidBody(
        400,
        "malformed_json",
        f"the request body nests more than {MAX_JSON_DEPTH} levels deep",
        "body",
    )


class _RepeatedName(dict[str, Any]):
    """An object whose text gives the name `repeated` more than once."""

    repeated: str


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            marked = _RepeatedName(document)
            marked.repeated = name
            return marked
        seen.add(name)
    return document


def _check_values(document: Any) -> None:
    # An explicit stack instead of recursion, so that depth cannot exhaust it.
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while stack:
        value, location = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            field = field_path(("body", *location))
            raise InvalidBody(
                422,
                "invalid_field",
                f"{field}: expected a finite number; NaN, Infinity and numbers "
                "beyond the range of a 64-bit float are not accepted",
                field,
            )
        if isinstance(value, _RepeatedName):
            field = field_path(("body", *location, value.repeated))
            raise InvalidBody(
                422,
                "invalid_field",
                f"{field}: the name appears more than once in its object; "
                "send each field once",
                field,
            )
        if isinstance(value, dict | list):
            if len(location) >= MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((item, (*location, key)) for key, item in items)
