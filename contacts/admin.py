from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from contacts.forms import OnePrimaryFormSet, SignupForm
from contacts.models import (
    Business,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Organisation,
    OrganisationKind,
    User,
)
from contacts.services.contacts import create_contact, delete_contact, update_contact
from contacts.services.organisations import delete_organisation, save_organisation
from contacts.services.signup import signup_business
from crmcom.core.admin import BusinessScopedAdmin, ScopedStackedInline, ScopedTabularInline, business_of


@admin.register(Business)
class BusinessAdmin(BusinessScopedAdmin):
    """Staff see and rename their own business; a platform admin signs new ones up here."""

    list_display = ("name", "currency", "created_at")
    search_fields = ("name",)
    readonly_fields = ("currency", "created_at")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = SignupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                signed_up = signup_business(**form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{signed_up.business} is signed up; its owner is {signed_up.owner}.")
                return redirect(reverse("admin:contacts_business_change", args=[signed_up.business.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Sign up a business",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/contacts/business/signup.html", context)

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Platform admins manage staff accounts and the business each belongs to."""

    list_display = ("username", "email", "business", "is_staff", "is_active")
    list_filter = ("business", "is_staff", "is_superuser", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Business", {"fields": ("business",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Business", {"fields": ("business",)}))

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Organisation)
class OrganisationAdmin(BusinessScopedAdmin):
    list_display = ("name", "kind", "lat", "lon")
    list_filter = ("kind",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        save_organisation(business=business_of(request), organisation=obj)

    def has_delete_permission(self, request, obj=None):
        own = obj is not None and obj.kind == OrganisationKind.BUSINESS  # delete_organisation refuses it
        return not own and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # each deletion goes through delete_organisation
        return actions

    def delete_model(self, request, obj):
        delete_organisation(organisation=obj)


class ContactEmailInline(ScopedTabularInline):
    model = ContactEmail
    formset = OnePrimaryFormSet


class ContactPhoneInline(ScopedTabularInline):
    model = ContactPhone
    formset = OnePrimaryFormSet


class ContactAddressInline(ScopedStackedInline):
    model = ContactAddress
    formset = OnePrimaryFormSet


@admin.register(Contact)
class ContactAdmin(BusinessScopedAdmin):
    list_display = ("__str__", "kind", "primary_email", "account_balance", "created_at")
    list_filter = ("kind", "created_at")
    search_fields = ("first_name", "last_name", "company_name", "emails__email", "phones__number")
    inlines = [ContactEmailInline, ContactPhoneInline, ContactAddressInline]
    readonly_fields = ("created_at",)
    list_select_related = ("account",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("emails")

    @admin.display(description="Email")
    def primary_email(self, contact: Contact) -> str:
        return next((email.email for email in contact.emails.all() if email.is_primary), "")

    @admin.display(description="Balance")
    def account_balance(self, contact: Contact) -> str:
        return f"{contact.account.balance:.2f} {contact.account.currency}"

    def save_model(self, request, obj, form, change):
        if change:
            update_contact(contact=obj, fields={})  # the form has set the fields; the inlines follow
        else:  # the inlines are saved next, in the same transaction as the admin's view
            create_contact(business=business_of(request), contact=obj)

    def has_delete_permission(self, request, obj=None):
        owes = obj is not None and obj.account.balance != 0  # delete_contact refuses it
        return not owes and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # each deletion goes through delete_contact
        return actions

    def delete_model(self, request, obj):
        delete_contact(contact=obj)
