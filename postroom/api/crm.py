"""The workspace's CRM connection (owners and admins; for anyone else it does not exist,
404). Tokens are write-only: answers show their last four characters. See docs/crm.md."""

from __future__ import annotations

from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from pydantic import Field

from postroom.accounts.models import User
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES
from postroom.api.schemas import BodyIn
from postroom.crm.lookup import connection, mask
from postroom.crm.models import CrmConnection
from postroom.inbox import actions

router = Router(tags=["crm"])


class CrmConnectionOut(Schema):
    provider: str = Field(description="hubspot or salesforce; empty before it is set.")
    enabled: bool
    hubspot_portal_id: str
    salesforce_instance_url: str
    hubspot_token: str = Field(description="The stored token's last four characters, masked.")
    salesforce_token: str = Field(description="The stored token's last four characters, masked.")


class CrmConnectionIn(BodyIn):
    provider: Literal["hubspot", "salesforce"]
    enabled: bool
    hubspot_portal_id: str = Field(default="", max_length=20)
    salesforce_instance_url: str = Field(default="", max_length=200)
    hubspot_token: str | None = Field(
        default=None, max_length=4000, description="Omitted or null: keep the stored one."
    )
    salesforce_token: str | None = Field(
        default=None, max_length=4000, description="Omitted or null: keep the stored one."
    )


def _admin(request: HttpRequest) -> User:
    user = member(request)
    if not user.is_admin:
        raise Http404
    return user


def _out(row: CrmConnection | None) -> CrmConnectionOut:
    if row is None:
        return CrmConnectionOut(
            provider="",
            enabled=False,
            hubspot_portal_id="",
            salesforce_instance_url="",
            hubspot_token="",
            salesforce_token="",
        )
    return CrmConnectionOut(
        provider=row.provider,
        enabled=row.enabled,
        hubspot_portal_id=row.hubspot_portal_id,
        salesforce_instance_url=row.salesforce_instance_url,
        hubspot_token=mask(row.hubspot_token),
        salesforce_token=mask(row.salesforce_token),
    )


@router.get("", response={200: CrmConnectionOut, **ERROR_RESPONSES}, summary="The CRM connection")
def get_connection(request: HttpRequest) -> CrmConnectionOut:
    _admin(request)
    return _out(connection())


@router.put(
    "", response={200: CrmConnectionOut, **ACTION_RESPONSES}, summary="Set the CRM connection"
)
def put_connection(request: HttpRequest, payload: CrmConnectionIn) -> CrmConnectionOut:
    user = _admin(request)
    row = actions.do_configure_crm(actor=user, **payload.dict())
    return _out(row)
