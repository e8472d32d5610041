"""Walks every registered API route and admin screen: another business's rows are invisible and unwritable."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from rest_framework.relations import ManyRelatedField, RelatedField

from contacts.models import Business, User
from crmcom.api_urls import router
from crmcom.core.admin import BusinessScopedAdmin
from crmcom.core.api.filters import BusinessScopedFilterBackend
from crmcom.core.tenancy import is_tenant_model, is_visible_to, scope_queryset
from orders.models import Delivery, Order
from tests.factories import make_object

pytestmark = pytest.mark.django_db

ROUTES = [(prefix, viewset) for prefix, viewset, _ in router.registry]
SCOPED_ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, BusinessScopedAdmin)
]
PLATFORM_ONLY_ADMINS = ["user", "group", "tokenproxy"]


def route_id(route):
    return route[0]


def related_tenant_fields(viewset):
    """Writable fields of the route's serializer that point at another business-owned model."""
    fields = viewset.serializer_class().fields
    for name, field in fields.items():
        relation = field.child_relation if isinstance(field, ManyRelatedField) else field
        if isinstance(relation, RelatedField) and not field.read_only and is_tenant_model(relation.queryset.model):
            yield name, relation.queryset.model, isinstance(field, ManyRelatedField)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_api_lists_and_details_hide_other_businesses(route, api, business, other_business):
    prefix, viewset = route
    model = viewset.queryset.model
    mine = make_object(model, business)
    theirs = make_object(model, other_business)

    listed = api.get(f"/api/v1/{prefix}/?page_size=500")

    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    assert mine.pk in ids
    assert theirs.pk not in ids
    assert api.get(f"/api/v1/{prefix}/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_api_cannot_write_other_businesses_rows(route, api, other_business):
    prefix, viewset = route
    model = viewset.queryset.model
    theirs = make_object(model, other_business)
    before = model.objects.filter(pk=theirs.pk).values().get()

    for method in ("put", "patch", "delete"):
        if method in viewset.http_method_names:
            response = getattr(api, method)(f"/api/v1/{prefix}/{theirs.pk}/", {"name": "hijacked"})
            assert response.status_code == 404, (method, response.content)

    assert model.objects.filter(pk=theirs.pk).values().get() == before


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_api_refuses_links_to_other_businesses_rows(route, api, other_business):
    prefix, viewset = route
    for name, related_model, many in related_tenant_fields(viewset):
        theirs = make_object(related_model, other_business)
        value = [theirs.pk] if many else theirs.pk

        response = api.post(f"/api/v1/{prefix}/", {name: value})

        assert response.status_code == 400
        assert "does not exist" in str(response.json()[name])


def test_every_admin_screen_is_scoped_or_platform_only():
    unscoped = [
        model._meta.model_name
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, BusinessScopedAdmin)
    ]
    assert sorted(unscoped) == sorted(PLATFORM_ONLY_ADMINS)


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.model_name in PLATFORM_ONLY_ADMINS],
    ids=lambda model: model._meta.model_name,
)
def test_platform_only_admin_screens_are_closed_to_staff(model, staff_client):
    response = staff_client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    assert response.status_code == 403


@pytest.mark.parametrize("entry", SCOPED_ADMINS, ids=lambda entry: entry[0]._meta.label)
def test_admin_changelists_hide_other_businesses(entry, staff_client, business, other_business):
    model, _ = entry
    mine = make_object(model, business)
    theirs = make_object(model, other_business)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"

    changelist = staff_client.get(f"{base}/")

    assert changelist.status_code == 200
    shown = {obj.pk for obj in changelist.context["cl"].result_list}
    assert mine.pk in shown
    assert theirs.pk not in shown
    views = ["change", "history", "delete"]
    if hasattr(model, "history"):  # balances and settings rows keep no versions: their History is the admin log
        history_id = model.history.filter(**{model._meta.pk.attname: theirs.pk}).values_list("history_id", flat=True)
        views.append(f"history/{history_id[0]}")
    for view in views:
        response = staff_client.get(f"{base}/{theirs.pk}/{view}/")
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert other_business.name.encode() not in response.content
    assert staff_client.post(f"{base}/{theirs.pk}/delete/", {"post": "yes"}).status_code in (302, 403, 404)
    assert model.objects.filter(pk=theirs.pk).exists()


def relation_filters(viewset):
    """The route's filters on a relation to a business-owned model, as the filter backend builds them."""
    view = viewset(request=None, format_kwarg=None, action="list")
    filterset_class = BusinessScopedFilterBackend().get_filterset_class(view, viewset.queryset)
    for name, filter_ in filterset_class.base_filters.items() if filterset_class else []:
        model = getattr(filter_, "model", None) or getattr(getattr(filter_, "queryset", None), "model", None)
        if isinstance(filter_, ModelChoiceFilter | ModelMultipleChoiceFilter):
            yield name, model or filterset_class._meta.model._meta.get_field(filter_.field_name).related_model


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_api_filters_treat_other_businesses_ids_as_unknown(route, api, other_business):
    prefix, viewset = route
    for name, related_model in relation_filters(viewset):
        if not is_tenant_model(related_model):
            continue
        theirs = make_object(related_model, other_business)

        response = api.get(f"/api/v1/{prefix}/?{name}={theirs.pk}")

        assert response.status_code == 400, (name, response.status_code)


@pytest.mark.parametrize("entry", SCOPED_ADMINS, ids=lambda entry: entry[0]._meta.label)
def test_admin_relation_filters_offer_only_the_business_rows(entry, staff_client, other_business):
    model, _ = entry
    changelist = staff_client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")

    for spec in changelist.context["cl"].filter_specs:
        field = getattr(spec, "field", None)
        if field is None or not field.remote_field or not is_tenant_model(field.related_model):
            continue
        theirs = make_object(field.related_model, other_business)
        refreshed = staff_client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
        specs = [s for s in refreshed.context["cl"].filter_specs if getattr(s, "field", None) == field]
        assert theirs.pk not in {pk for pk, _ in specs[0].lookup_choices}, field.name


def test_the_walks_have_relations_to_check():
    """The per-route relation checks above loop over what these helpers find: they must find something."""
    assert any(True for _, viewset in ROUTES for _ in related_tenant_fields(viewset))
    assert any(is_tenant_model(model) for _, viewset in ROUTES for _, model in relation_filters(viewset))


# is_visible_to along each kind of business_lookup


@pytest.mark.parametrize(
    ("model", "lookup"),
    [(Business, "pk"), (Order, "business"), (Delivery, "order__business")],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_one_row_is_visible_to_its_business_staff_only(model, lookup, owner, business, other_business):
    mine, theirs = make_object(model, business), make_object(model, other_business)
    rival_owner = User.objects.get(business=other_business)
    platform = User.objects.create_superuser(username="platform", password="a-long-pass-phrase")

    assert model.business_lookup == lookup
    assert is_visible_to(mine, owner) and not is_visible_to(theirs, owner)
    assert is_visible_to(theirs, rival_owner) and not is_visible_to(mine, rival_owner)
    assert is_visible_to(theirs, platform)
    assert not is_visible_to(mine, AnonymousUser())
    assert list(scope_queryset(model.objects.all(), owner)) == [mine]
