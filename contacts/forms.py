from django import forms

from contacts.services.contacts import mark_one_primary
from crmcom.core.formsets import kept_forms


class SignupForm(forms.Form):
    """The admin's sign-up screen; signup_business validates and writes."""

    business_name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    username = forms.CharField(max_length=150, help_text="The owner's login.")
    password = forms.CharField(widget=forms.PasswordInput)
    email = forms.EmailField()


class OnePrimaryFormSet(forms.BaseInlineFormSet):
    """A contact's emails, phones or addresses: at most one marked primary, and the first if none is."""

    def clean(self):
        super().clean()
        mark_one_primary([form.instance for form in kept_forms(self)])
