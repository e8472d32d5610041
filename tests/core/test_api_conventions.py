"""API.md conventions that hold for every route: auth, pagination, flat query counts, error shapes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crmcom.api_urls import router
from tests.factories import make_object

pytestmark = pytest.mark.django_db

LIST_ROUTES = [(prefix, viewset) for prefix, viewset, _ in router.registry]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda route: route[0])
def test_list_query_count_is_flat(route, api, business, django_assert_max_num_queries):
    prefix, viewset = route
    model = viewset.queryset.model
    existing = model.objects.filter(business=business).count()
    make_object(model, business)
    with CaptureQueriesContext(connection) as one_row:
        api.get(f"/api/v1/{prefix}/?page_size=1")
    for _ in range(50 - existing):
        make_object(model, business)

    with django_assert_max_num_queries(len(one_row)):
        response = api.get(f"/api/v1/{prefix}/?page_size=50")

    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda route: route[0])
def test_lists_need_authentication(route):
    response = APIClient().get(f"/api/v1/{route[0]}/")
    assert response.status_code == 401


def test_lists_are_paginated_with_page_size_capped_at_500(api, business):
    for _ in range(3):
        make_object(router.registry[0][1].queryset.model, business)

    first = api.get("/api/v1/organisations/?page_size=2").json()
    huge = api.get("/api/v1/organisations/?page_size=100000")

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 4  # three merchants and the business's own organisation
    assert len(first["results"]) == 2
    assert "page=2" in first["next"]
    assert huge.status_code == 200


def test_session_auth_works_for_the_back_office(client, owner):
    client.force_login(owner)
    assert client.get("/api/v1/organisations/").status_code == 200


def test_token_endpoint_gives_a_token_for_good_credentials_only(client, owner):
    good = client.post(
        "/api/v1/auth/token/",
        {"username": owner.username, "password": "a-long-pass-phrase"},
        content_type="application/json",
    )
    bad = client.post(
        "/api/v1/auth/token/", {"username": owner.username, "password": "wrong"}, content_type="application/json"
    )
    missing = client.post("/api/v1/auth/token/", {}, content_type="application/json")

    assert good.status_code == 200
    assert client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Token {good.json()['token']}").status_code == 200
    assert bad.status_code == 400 and "detail" in bad.json()
    assert missing.status_code == 400 and set(missing.json()) == {"username", "password"}


def test_validation_errors_name_the_field(api):
    response = api.post("/api/v1/organisations/", {"name": "", "kind": "spaceship"})

    assert response.status_code == 400
    assert set(response.json()) == {"name", "kind"}


def test_schema_and_local_docs(client, owner):
    schema = client.get("/api/schema/")
    client.force_login(owner)
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/products/" in schema.content
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
