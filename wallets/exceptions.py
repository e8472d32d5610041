from crmcom.core.exceptions import StateConflict


class InsufficientFunds(StateConflict):
    def __init__(self, *, currency: str, wanted, available):
        super().__init__(
            f"Not enough funds in the wallet: {wanted} {currency} wanted, {available} {currency} available."
        )
        self.wanted, self.available = wanted, available
