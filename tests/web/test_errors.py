"""The web edge maps every service error, with the same status as the API, in one place."""

from __future__ import annotations

from sirf.api.errors import STATUS
from sirf.domain.errors import ALL_ERRORS, OutOfScope
from sirf.services.sessions import SignInThrottled
from sirf.web.errors import problem_of


def test_every_domain_error_becomes_a_problem_with_the_api_status() -> None:
    for error in ALL_ERRORS:
        problem = problem_of(error("carol cannot do that", field="person"))
        assert problem.status == STATUS[error]
        assert problem.code == error.code
        assert problem.message == "carol cannot do that."  # the service's words, case kept
        assert problem.field == "person"


def test_a_scope_refusal_says_where_the_report_goes() -> None:
    problem = problem_of(OutOfScope("nope", requirement="F1.9", redirect_to="the issue tracker"))
    assert (problem.requirement, problem.redirect_to) == ("F1.9", "the issue tracker")


def test_throttled_sign_in_is_429_with_retry_after() -> None:
    problem = problem_of(SignInThrottled("too many", retry_after=90))
    assert (problem.status, problem.retry_after) == (429, 90)
