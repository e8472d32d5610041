"""Order catalogues in the admin: products offered by time of day, supply method and organisation."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, business_of
from orders.models import OrderCatalogue
from orders.services.catalogues import check_catalogue, save_catalogue


@admin.register(OrderCatalogue)
class OrderCatalogueAdmin(BusinessScopedAdmin):
    list_display = ("name", "organisation", "supply_method", "available_from", "available_until", "is_active")
    list_filter = ("is_active", "supply_method", "organisation")
    search_fields = ("name",)
    list_select_related = ("organisation",)
    filter_horizontal = ("products",)
    fields = ("name", "organisation", "supply_method", ("available_from", "available_until"), "products", "is_active")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class CatalogueForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                try:
                    check_catalogue(
                        business_id=self.instance.business_id,
                        catalogue=self.instance,
                        products=self.cleaned_data.get("products") or (),
                    )
                except ValidationError as error:
                    self._update_errors(error)

        return CatalogueForm

    def save_model(self, request, obj, form, change):
        save_catalogue(
            business=business_of(request) or obj.business, catalogue=obj, products=form.cleaned_data["products"]
        )
