"""The HubSpot and Salesforce clients against a real local server answering with recorded
bodies: what each sends (path, Authorization, search filters, SOQL and its escaping) and
what each makes of every answer."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Response

from postroom.crm.clients import (
    HUBSPOT_PROPERTIES,
    CrmError,
    CrmRecord,
    hubspot_contact,
    salesforce_contact,
    salesforce_query,
    soql_quote,
)
from tests.crm.conftest import HUBSPOT_TOKEN, PORTAL, SALESFORCE_TOKEN, recording

SEARCH = "/crm/v3/objects/contacts/search"
QUERY = "/services/data/v60.0/query"


def _hubspot(server, email="carol@customer.test", timeout=0.5):
    return hubspot_contact(server.url_for("/"), HUBSPOT_TOKEN, PORTAL, email, timeout=timeout)


def _salesforce(server, email="carol@customer.test", timeout=0.5):
    return salesforce_contact(
        server.url_for("/").rstrip("/"), SALESFORCE_TOKEN, email, timeout=timeout
    )


def _soql_sent(server) -> str:
    (request, _response), *_ = server.log
    return parse_qs(urlsplit(request.url).query)["q"][0]


# --- HubSpot ---------------------------------------------------------------------------


def test_hubspot_searches_by_email_with_the_token_and_reads_the_record(httpserver):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        recording("hubspot_search_found")
    )
    httpserver.expect_request("/crm/v3/owners/6166860", method="GET").respond_with_json(
        recording("hubspot_owner")
    )

    record = _hubspot(httpserver)

    assert record == CrmRecord(
        name="Carol Customer",
        email="carol@customer.test",
        company="Customer Ltd",
        owner="Sam Seller",
        stage="Customer",
        url=f"https://app.hubspot.com/contacts/{PORTAL}/record/0-1/151",
        fields=[
            ("Job title", "Head of Finance"),
            ("Phone", "+44 20 7946 0958"),
            ("Lead status", "OPEN_DEAL"),
        ],
    )
    (search, _), (owner, _) = httpserver.log
    assert search.path == SEARCH and search.method == "POST"
    assert search.headers["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"
    assert search.get_json() == {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "email", "operator": "EQ", "value": "carol@customer.test"}
                ]
            }
        ],
        "properties": HUBSPOT_PROPERTIES,
        "limit": 1,
    }
    assert owner.headers["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"


def test_hubspot_without_a_match_is_none(httpserver):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        recording("hubspot_search_empty")
    )
    assert _hubspot(httpserver) is None
    assert len(httpserver.log) == 1  # no owner asked for


def test_an_address_is_sent_as_a_filter_value_whatever_it_holds(httpserver):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        recording("hubspot_search_empty")
    )
    tricky = "o'brien\\\"}]@customer.test"
    _hubspot(httpserver, email=tricky)
    (search, _), *_ = httpserver.log
    assert search.get_json()["filterGroups"][0]["filters"] == [
        {"propertyName": "email", "operator": "EQ", "value": tricky}
    ]


def test_hubspot_shows_the_owner_by_id_when_the_owner_cannot_be_read(httpserver):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        recording("hubspot_search_found")
    )
    httpserver.expect_request("/crm/v3/owners/6166860").respond_with_json(
        recording("hubspot_403"), status=403
    )
    record = _hubspot(httpserver)
    assert record is not None and record.owner == "#6166860"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "hubspot_401", "unauthorized"),
        (403, "hubspot_403", "forbidden"),
        (429, "hubspot_429", "rate_limited"),
        (400, "hubspot_403", "rejected"),
    ],
)
def test_hubspot_refusals(httpserver, status, body, kind):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json(
        recording(body), status=status
    )
    with pytest.raises(CrmError) as caught:
        _hubspot(httpserver)
    assert (caught.value.kind, caught.value.status) == (kind, status)
    assert HUBSPOT_TOKEN not in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_hubspot_own_errors_are_unavailable(httpserver, status):
    httpserver.expect_request(SEARCH).respond_with_data("<html>Bad gateway</html>", status=status)
    with pytest.raises(CrmError) as caught:
        _hubspot(httpserver)
    assert caught.value.kind == "unavailable"


def test_an_answer_that_is_not_json_or_not_the_documented_shape_is_malformed(httpserver):
    httpserver.expect_ordered_request(SEARCH).respond_with_data("<html>login</html>")
    httpserver.expect_ordered_request(SEARCH).respond_with_json({"results": [{"id": "1"}]})
    for _ in range(2):
        with pytest.raises(CrmError) as caught:
            _hubspot(httpserver)
        assert caught.value.kind == "malformed"


def test_a_slow_answer_is_a_timeout(httpserver):
    def slow(_request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(CrmError) as caught:
        _hubspot(httpserver, timeout=0.2)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 0.55
    time.sleep(0.5)  # let the slow answer finish before the next test's server log


def test_no_server_is_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CrmError) as caught:
        hubspot_contact(f"http://127.0.0.1:{port}", "t", PORTAL, "a@b.test", timeout=0.5)
    assert caught.value.kind == "unreachable"


def test_a_redirect_is_not_followed(httpserver):
    httpserver.expect_request(SEARCH).respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.test/"}
    )
    with pytest.raises(CrmError) as caught:
        _hubspot(httpserver)
    assert (caught.value.kind, len(httpserver.log)) == ("rejected", 1)


# --- Salesforce ------------------------------------------------------------------------


def test_salesforce_queries_contacts_by_email_with_the_token_and_reads_the_record(httpserver):
    httpserver.expect_request(QUERY, method="GET").respond_with_json(
        recording("salesforce_query_found")
    )

    record = _salesforce(httpserver)

    assert record == CrmRecord(
        name="Carol Customer",
        email="carol@customer.test",
        company="Customer Ltd",
        owner="Sam Seller",
        stage="",
        url=httpserver.url_for("/lightning/r/Contact/003RO0000035WQgYAM/view"),
        fields=[
            ("Title", "Head of Finance"),
            ("Phone", "+44 20 7946 0958"),
            ("Lead source", "Web"),
        ],
    )
    (request, _), *_ = httpserver.log
    assert request.path == QUERY
    assert request.headers["Authorization"] == f"Bearer {SALESFORCE_TOKEN}"
    assert _soql_sent(httpserver) == (
        "SELECT Id, Name, Email, Title, Phone, LeadSource, Account.Name, Owner.Name "
        "FROM Contact WHERE Email = 'carol@customer.test' LIMIT 1"
    )


def test_salesforce_without_an_account_or_a_match(httpserver):
    httpserver.expect_ordered_request(QUERY).respond_with_json(
        recording("salesforce_query_no_account")
    )
    httpserver.expect_ordered_request(QUERY).respond_with_json(recording("salesforce_query_empty"))
    record = _salesforce(httpserver)
    assert record is not None
    assert (record.company, record.owner, record.fields) == ("", "Sam Seller", [])
    assert _salesforce(httpserver) is None


@pytest.mark.parametrize(
    ("address", "literal"),
    [
        ("o'brien@customer.test", r"'o\'brien@customer.test'"),
        ("back\\slash@customer.test", r"'back\\slash@customer.test'"),
        # A quote after a backslash: both escaped, so the literal still ends only at the end.
        ("x\\' OR Email != '@customer.test", r"'x\\\' OR Email != \'@customer.test'"),
        ("line\nbreak\t@customer.test", r"'line\nbreak\t@customer.test'"),
    ],
)
def test_soql_literals_escape_quotes_and_backslashes(address, literal):
    assert soql_quote(address) == literal
    assert salesforce_query(address).endswith(f"WHERE Email = {literal} LIMIT 1")


def _unquoted_literals(soql: str) -> list[str]:
    """The string literals of ``soql`` as SOQL reads them (backslash escapes)."""
    found, i = [], 0
    while (start := soql.find("'", i)) != -1:
        j, text = start + 1, ""
        while soql[j] != "'":
            if soql[j] == "\\":
                j += 1
            text += soql[j]
            j += 1
        found.append(text)
        i = j + 1
    return found


def test_an_address_with_a_quote_cannot_change_the_query_sent(httpserver):
    httpserver.expect_request(QUERY).respond_with_json(recording("salesforce_query_empty"))
    attack = "nobody\\' OR Name LIKE '%"
    assert _salesforce(httpserver, email=attack) is None
    soql = _soql_sent(httpserver)
    # One literal, holding exactly the address; the query around it is ours.
    assert _unquoted_literals(soql) == [attack]
    assert soql.startswith("SELECT Id, Name, Email, Title, Phone, LeadSource, Account.Name, ")
    assert soql.endswith("' LIMIT 1")


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "salesforce_401", "unauthorized"),
        (403, "salesforce_403_limit", "rate_limited"),
        (400, "salesforce_400_malformed", "rejected"),
    ],
)
def test_salesforce_refusals(httpserver, status, body, kind):
    httpserver.expect_request(QUERY).respond_with_json(recording(body), status=status)
    with pytest.raises(CrmError) as caught:
        _salesforce(httpserver)
    assert (caught.value.kind, caught.value.status) == (kind, status)
    assert SALESFORCE_TOKEN not in str(caught.value)


def test_salesforce_403_other_than_the_limit_is_forbidden(httpserver):
    httpserver.expect_request(QUERY).respond_with_json(
        [
            {
                "message": "The REST API is not enabled for this Organization.",
                "errorCode": "API_DISABLED_FOR_ORG",
            }
        ],
        status=403,
    )
    with pytest.raises(CrmError) as caught:
        _salesforce(httpserver)
    assert caught.value.kind == "forbidden"
