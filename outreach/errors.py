"""Business refusals with a message a coordinator can act on.

The CLI and the web edge turn these into a clear message; anything else is a bug.
"""


class OutreachError(Exception):
    """Base class of expected refusals; ``str(error)`` is the user-facing message."""


class UnknownDepartement(OutreachError):
    pass


class UnknownScenario(OutreachError):
    pass


class UnknownPlan(OutreachError):
    pass


class PlanNotPublishable(OutreachError):
    pass


class InvalidInput(OutreachError):
    """Bad input data; ``problems`` lists every problem found, each naming its line and field."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        full = message if not self.problems else message + "\n" + "\n".join(self.problems)
        super().__init__(full)
