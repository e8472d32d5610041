from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    default_site = "crmcom.core.admin_site.BackOfficeSite"
