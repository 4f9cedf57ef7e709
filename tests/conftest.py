"""Hypothesis profiles of the fuzz suites (issue 9) and the count ``make fuzz`` prints.

``ci`` (the default, ``make test``): derandomised, a fixed small number of examples, so a
run is reproducible. ``fuzz`` (``make fuzz``, ``HYPOTHESIS_PROFILE=fuzz``): random, many
examples per test (``FUZZ_EXAMPLES``, default 2000). The shared strategy lives in
``tests/hostile.py``.
"""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # `import hostile` from the fuzz tests

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=_SLOW,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=None,
    database=None,
    suppress_health_check=_SLOW,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands its counts to the controller, which prints them."""
    import hostile

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["hostile_counts"] = [[e, n] for e, n in hostile.COUNTS.items()]
        workeroutput["hostile_outcomes"] = [
            [e, outcome, n] for (e, outcome), n in hostile.OUTCOMES.items()
        ]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller adds up what each worker counted (pytest-xdist's hook)."""
    import hostile

    output = getattr(node, "workeroutput", {})
    for entry, n in output.get("hostile_counts", ()):
        hostile.COUNTS[entry] += n
    for entry, outcome, n in output.get("hostile_outcomes", ()):
        hostile.OUTCOMES[entry, outcome] += n


def pytest_terminal_summary(terminalreporter):
    import hostile

    if not hostile.COUNTS:
        return
    total = sum(hostile.COUNTS.values())
    write = terminalreporter.write_line
    write(
        f"hostile input: {len(hostile.COUNTS)} entry points, {total} generated cases "
        f"(profile {os.environ.get('HYPOTHESIS_PROFILE', 'ci')})"
    )
    for entry in sorted(hostile.COUNTS):
        refused = hostile.OUTCOMES[entry, "refused"]
        accepted = hostile.OUTCOMES[entry, "accepted"]
        write(
            f"  {entry:<44} {hostile.COUNTS[entry]:>8} cases ({refused} refused, {accepted} accepted)"
        )
