"""The machinery of the conformance suites (environments, learners, explorers, streaming
learners): a check error that names its check, a decorator that turns a check's unexpected
exception into a failure of that check, and a runner that reports every failure at once.

A suite is a tuple of named checks, functions that return ``'passed'`` (or ``'skipped:
why'``) or raise the suite's error. Each suite subclasses :class:`CheckError`, so that
``pytest.raises(EnvironmentCheckError)`` reads as what it tests.

Example:
    >>> class ToyCheckError(CheckError):
    ...     pass
    >>> @named_check(ToyCheckError)
    ... def check_positive(x):
    ...     if x <= 0:
    ...         raise ToyCheckError("check_positive", f"{x} is not positive")
    ...     return "passed"
    >>> @named_check(ToyCheckError)
    ... def check_small(x):
    ...     return "passed" if x < 10 else 1 / 0
    >>> run_checks((check_positive, check_small), ToyCheckError, "check_toy", 3)
    {'check_positive': 'passed', 'check_small': 'passed'}
    >>> try:
    ...     run_checks((check_positive, check_small), ToyCheckError, "check_toy", 20)
    ... except ToyCheckError as err:
    ...     print(err.check, sorted(err.failures))
    check_toy ['check_small']
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

__all__ = ["CheckError", "named_check", "run_checks"]


class CheckError(AssertionError):
    """A subject failed a conformance check; ``check`` names it.

    ``failures`` maps every failed check's name to its message (one entry for a single
    check; a suite's runner raises one error naming the suite, with every failure).

    >>> err = CheckError('check_fresh_uuid', 'the same uuid twice')
    >>> str(err), err.check, err.failures
    ('check_fresh_uuid: the same uuid twice', 'check_fresh_uuid', {'check_fresh_uuid': 'the same uuid twice'})
    """

    def __init__(self, check: str, message: str, failures: dict | None = None):
        super().__init__(f"{check}: {message}")
        self.check = check
        self.failures = dict(failures) if failures else {check: message}


def named_check(error_type: type[CheckError]) -> Callable:
    """Decorator: any exception of the check other than ``error_type`` is reported as a
    failure of that check (``error_type(check name, 'raised X: message')``).

    >>> class ToyCheckError(CheckError):
    ...     pass
    >>> @named_check(ToyCheckError)
    ... def check_inverse(x):
    ...     return "passed" if 1 / x else "failed"
    >>> try:
    ...     check_inverse(0)
    ... except ToyCheckError as err:
    ...     print(err)
    check_inverse: raised ZeroDivisionError: division by zero
    """

    def decorate(fn):
        @functools.wraps(fn)
        def check(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except error_type:
                raise
            except Exception as err:
                raise error_type(fn.__name__, f"raised {type(err).__name__}: {err}") from err

        return check

    return decorate


def require_factory(suite: str, argument: str, factory, makes: str) -> None:
    """Refuse an ``argument`` that is not callable, with a ``TypeError`` saying what ``suite``
    wants: the checks build objects of their own, so an instance cannot serve them (each
    check would fail with "... object is not callable").

    >>> require_factory("check_learner", "factory", 3, "a new Learner from cfg")
    Traceback (most recent call last):
    ...
    TypeError: check_learner takes a factory, a callable that returns a new Learner from cfg; got an instance of int
    """
    if not callable(factory):
        raise TypeError(
            f"{suite} takes {'a factory' if argument == 'factory' else argument}, a callable "
            f"that returns {makes}; got an instance of {type(factory).__name__}"
        )


def run_checks(
    checks: Sequence[Callable], error_type: type[CheckError], suite: str, *args, **kwargs
) -> dict:
    """Run every check with ``(*args, **kwargs)``; return ``{check name: result}``, or raise
    one ``error_type(suite, ...)`` whose ``failures`` lists every failed check.

    >>> class ToyCheckError(CheckError):
    ...     pass
    >>> def check_positive(x):
    ...     if x <= 0:
    ...         raise ToyCheckError("check_positive", f"{x} is not positive")
    ...     return "passed"
    >>> def check_even(x):
    ...     return "passed" if x % 2 == 0 else "skipped: odd"
    >>> run_checks((check_positive, check_even), ToyCheckError, "check_toy", 3)
    {'check_positive': 'passed', 'check_even': 'skipped: odd'}
    >>> try:
    ...     run_checks((check_positive, check_even), ToyCheckError, "check_toy", -2)
    ... except ToyCheckError as err:
    ...     print(err.check, list(err.failures))
    check_toy ['check_positive']
    """
    report, failures = {}, {}
    for check in checks:
        try:
            report[check.__name__] = check(*args, **kwargs)
        except error_type as err:
            failures[check.__name__] = str(err)
    if failures:
        message = f"{len(failures)} of {len(checks)} checks failed:\n" + "\n".join(
            failures.values()
        )
        raise error_type(suite, message, failures)
    return report
