"""A print-ready invoice for staff (the browser's print-to-PDF makes the PDF)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from crmcom.core.api.serializers import money_string
from crmcom.core.money import round_money
from crmcom.core.tenancy import scope_queryset
from finance.models import Invoice


@method_decorator(staff_member_required, name="dispatch")
class InvoicePrintView(TemplateView):
    template_name = "finance/invoice_print.html"

    def get_context_data(self, **kwargs):
        invoices = scope_queryset(Invoice.objects.select_related("business", "contact", "warehouse"), self.request.user)
        invoice = get_object_or_404(invoices, pk=self.kwargs["pk"])

        def money(amount):
            return money_string(round_money(amount, invoice.currency), invoice.currency)

        lines = [
            {
                "line": line,
                "unit_price": money(line.unit_price),
                "discount": money(line.discount),
                "net": money(line.net),
                "tax": money(line.tax),
                "total": money(line.total),
            }
            for line in invoice.lines.select_related("product")
        ]
        totals = {name: money(getattr(invoice, name)) for name in ("net_total", "tax_total", "total", "due")}
        return {**super().get_context_data(**kwargs), "invoice": invoice, "lines": lines, "totals": totals}
