from django.contrib.admin import AdminSite


class BackOfficeSite(AdminSite):
    """The Django admin, titled with the signed-in staff member's business."""

    site_title = "Back-office"
    index_title = "Back-office"
    platform_header = "CRM.COM platform"

    def each_context(self, request):
        context = super().each_context(request)
        business = getattr(request.user, "business", None) if request.user.is_authenticated else None
        context["site_header"] = business.name if business else self.platform_header
        return context
