from django import forms


class SignupForm(forms.Form):
    """The admin's sign-up screen; signup_business validates and writes."""

    business_name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    username = forms.CharField(max_length=150, help_text="The owner's login.")
    password = forms.CharField(widget=forms.PasswordInput)
    email = forms.EmailField()
