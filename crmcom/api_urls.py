"""Public API v1 (../shared/API.md): one router, so the tenancy test can walk every route."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from contacts.api.views import ContactViewSet, OrganisationViewSet, SignupView, TokenView
from crmcom.core.api.custom_fields import CustomFieldDefinitionViewSet
from finance.api.views import ProductViewSet
from inventory.api.views import DeviceStatusViewSet, WarehouseViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet)
router.register("contacts", ContactViewSet)
router.register("products", ProductViewSet)
router.register("device-statuses", DeviceStatusViewSet)
router.register("warehouses", WarehouseViewSet)
router.register("custom-fields", CustomFieldDefinitionViewSet)

urlpatterns = [
    path("signup/", SignupView.as_view(), name="signup"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
