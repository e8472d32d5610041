class StateConflict(Exception):
    """A request that is well formed but conflicts with the current state (HTTP 409).

    Examples: an illegal device transition, not enough available stock, posting twice, an expired estimate.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
