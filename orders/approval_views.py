"""The page a contact reaches from an approval request's email: approve or reject the stage move.

No login: the signed token (crmcom.automations.approval_links) is the authority, for one approval of one
contact, until it expires. GET shows the question and changes nothing; POST decides through the same services
staff use (orders.services.approvals), recorded as the contact's answer. Answers: 400 for a tampered link or
a bad decision, 410 once it expired, 409 when the approval was decided already or the move is no longer
possible; every refusal changes nothing.
"""

from django import forms
from django.core import signing
from django.shortcuts import render
from django.views import View

from crmcom.automations.approval_links import read_token
from crmcom.core.exceptions import StateConflict
from orders.models import ApprovalState, OrderApproval
from orders.services.approvals import approve, reject

DECISIONS = {"approve": approve, "reject": reject}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApprovalLinkView(View):
    template_name = "orders/approval_link.html"

    def get(self, request, token):
        approval, refusal = self.approval_of(token)
        if refusal:
            return refusal
        return self.page(approval, form=DecisionForm())

    def post(self, request, token):
        approval, refusal = self.approval_of(token)
        if refusal:
            return refusal
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.page(approval, form=form, status=400)
        decide = DECISIONS[form.cleaned_data["decision"]]
        try:
            decide(approval, by_contact=True, note=form.cleaned_data["note"])
        except StateConflict as error:
            return self.page(approval, message=str(error), status=409)
        approval.refresh_from_db(fields=["state", "decided_at"])
        return self.page(approval, decided=True)

    def approval_of(self, token):
        """The pending approval the token names, or the page refusing it."""
        try:
            link = read_token(token)
        except signing.SignatureExpired:
            return None, self.page(None, message="This link has expired: ask us for a new one.", status=410)
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None, self.page(None, message="This link is not valid.", status=400)
        approval = (
            OrderApproval.objects.select_related("order__business", "stage")
            .filter(pk=link.approval_id, order__contact_id=link.contact_id)
            .first()
        )
        if approval is None:
            return None, self.page(None, message="This link is not valid.", status=400)
        if approval.state != ApprovalState.PENDING:
            message = f"This approval was already {approval.get_state_display().lower()}."
            return None, self.page(approval, message=message, status=409)
        return approval, None

    def page(self, approval, *, form=None, message="", decided=False, status=200):
        context = {"approval": approval, "form": form, "message": message, "decided": decided}
        return render(self.request, self.template_name, context, status=status)
