"""Orders admin: one module per screen group; each helper adds its import line here."""

import orders.admin.catalogues  # noqa: E402, F401  order catalogues (reports helper)
import orders.admin.deliveries  # noqa: E402, F401  deliveries and returns, read-only (cleanup)
import orders.admin.estimates  # noqa: E402, F401  estimates, read-only (bundles helper)
import orders.admin.orders  # noqa: E402, F401  orders, stage moves and approvals (stages helper)
import orders.admin.policies  # noqa: E402, F401  fulfilment policies (reports helper)
import orders.admin.queues  # noqa: E402, F401  queues and their stages (stages helper)
