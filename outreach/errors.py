"""Business refusals with a message a coordinator can act on.

The CLI and the web edge turn these into a clear message; anything else is a bug.
"""

from outreach.messages import FieldProblem, Message, msg
from outreach.wording import say
from solver import Finding

MAX_PROBLEMS = 50  # a refusal lists at most this many problems, then says how many more


def capped(problems: list[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """The first ``limit`` problems and, when there are more, one line counting the rest."""
    if len(problems) <= limit:
        return problems
    return [*problems[:limit], msg("… et %(count)s autres erreurs (corrigez les premières, puis "
                                   "réimportez).", count=len(problems) - limit)]


__all__ = ["FieldProblem", "Message", "msg"]


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
        self.message = message
        self.problems = capped(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(self.problems)
        super().__init__(full)


class RulesBroken(InvalidInput):
    """A manual edit refused because the plan would break hard rules; ``findings``
    holds them (solver findings: :func:`outreach.wording.say` words them)."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(message, [say(f) for f in findings])
