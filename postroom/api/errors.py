"""One error shape for the whole API.

- 401 ``{"detail": "Unauthorized"}`` with ``WWW-Authenticate: Bearer``
- 403 ``{"detail": "<why>", "action": "do_assign", "needed": "reply_on_behalf",
  "inbox": "sales"}`` when the permission table refuses the action (:class:`NotAllowed`,
  postroom.inbox.access.POLICY); ``{"detail": "<why>"}`` for an action's other refusals
  (only the assignee may reply, only its author may undo a message)
- 404 ``{"detail": "Not found"}``: also what a caller without access gets, so a missing
  object and a forbidden one look the same
- 422 ``{"detail": [{"loc": ["body", "status"], "msg": "...", "type": "..."}]}``, both for
  requests the schema rejects and for an action's :class:`ValidationError`
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from postroom.api.schemas import ErrorOut, FieldErrorOut, ForbiddenOut, ValidationErrorOut
from postroom.inbox.access import NotAllowed
from postroom.inbox.actions.collision import Collision

# Body schemas are declared as one parameter named ``payload``; clients should see the
# field they sent, not the name of a Python argument.
BODY_PARAM = "payload"

ERROR_RESPONSES: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# For every endpoint that runs an action: the caller may see the object but not do this.
ACTION_RESPONSES: dict[int, Any] = {403: ForbiddenOut, **ERROR_RESPONSES}


def field_error(source: str, field: str, msg: str, type_: str = "value_error") -> dict[str, Any]:
    """One entry of a 422 ``detail`` list; ``source`` is "body", "query" or "path"."""
    loc: list[str] = [source] if field == NON_FIELD_ERRORS else [source, field]
    return FieldErrorOut(loc=list(loc), msg=msg, type=type_).model_dump()


def invalid(source: str, field: str, msg: str) -> NinjaValidationError:
    """A 422 naming ``field`` of a query or path parameter, raised by endpoint code."""
    return NinjaValidationError([field_error(source, field, msg)])


def _normalise(error: dict[str, Any]) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    if len(loc) >= 2 and loc[0] == "body" and loc[1] == BODY_PARAM:
        loc = ["body", *loc[2:]]
    msg, type_ = str(error.get("msg", "")), str(error.get("type", ""))
    if type_ == "extra_forbidden" and len(loc) >= 2:
        msg = f"Unknown field {loc[-1]!r}; this endpoint does not take it."
    return {"loc": loc, "msg": msg, "type": type_}


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the shapes above."""

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(request, {"detail": "Unauthorized"}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        body: dict[str, Any] = {"detail": str(exc) or "You may not do this."}
        if isinstance(exc, NotAllowed):
            body |= {"action": exc.action, "needed": exc.needed, "inbox": exc.inbox}
        return api.create_response(request, body, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found"}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # A body that is not JSON at all: a bad request like any other, so a 422 naming
        # the body (django-ninja would answer 400).
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            detail = [
                {"loc": ["body"], "msg": "The body is not valid JSON.", "type": "json_invalid"}
            ]
            return api.create_response(request, {"detail": detail}, status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        detail = [_normalise(error) for error in exc.errors]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(Collision)
    def held(request: HttpRequest, exc: Collision) -> HttpResponse:
        # 409: nothing was sent; the client shows the newer items and may send anyway.
        newer = [{"kind": n.kind, "id": n.id, "who": n.who, "text": n.text} for n in exc.newer]
        return api.create_response(request, {"detail": exc.messages[0], "newer": newer}, status=409)

    @api.exception_handler(DjangoValidationError)
    def action_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # Actions name the body field they reject (``{"status": [...]}``).
        if hasattr(exc, "error_dict"):
            detail = [
                field_error("body", field, message)
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            detail = [field_error("body", NON_FIELD_ERRORS, m) for m in exc.messages]
        return api.create_response(request, {"detail": detail}, status=422)
