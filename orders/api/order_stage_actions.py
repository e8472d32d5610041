"""Stage moves and approvals of an order, as actions of the order viewset. Helper "stages" fills this in."""


class OrderStageActions:
    pass
