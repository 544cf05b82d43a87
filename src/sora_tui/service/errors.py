"""What the job service refuses: a user action that cannot be done, and a submission over the budget."""

from __future__ import annotations

from ..core.ledger import OverBudget


class ServiceError(Exception):
    """A user action that cannot be done; the message says why and what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BudgetRefused(ServiceError):
    """A submission that would pass the profile's budget: nothing was written or sent (`over` says the figures)."""

    def __init__(self, over: OverBudget) -> None:
        super().__init__(over.message)
        self.over = over
