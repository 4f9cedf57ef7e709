"""Unknown names refused with the nearest known one suggested."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping

__all__ = ["check_known_names", "nearest", "renamed_keywords"]


def nearest(word: str, known) -> str:
    """``" (did you mean 'x'?)"`` for the known word nearest to ``word``, or ``""``.

    >>> nearest("stepsize", ["step_size", "steps", "bias"]), nearest("gamma", ["bias"])
    (" (did you mean 'step_size'?)", '')
    """
    close = _closest(word, known)
    return f" (did you mean {close!r}?)" if close else ""


def _closest(word, known) -> str | None:
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.5)
    return close[0] if close else None


def check_known_names(owner: str, given, known, what: str = "hyperparameters") -> None:
    """A ``TypeError`` naming the names of ``given`` that ``known`` lacks, the nearest
    known name of each (a typo's fix), and the known ones.

    >>> check_known_names("DQN", {"learnig_rate": 1e-3}, ["learning_rate", "gamma"])
    Traceback (most recent call last):
    ...
    TypeError: DQN: unknown hyperparameters ['learnig_rate'] (did you mean 'learning_rate'?); known: ['learning_rate', 'gamma']
    """
    known = list(known)
    unknown = sorted(set(given) - set(known))
    if not unknown:
        return
    if len(unknown) == 1:
        hint = nearest(unknown[0], known)
    else:
        pairs = [(name, _closest(name, known)) for name in unknown]
        fixes = [f"{close!r} for {name!r}" for name, close in pairs if close]
        hint = f" (did you mean {', '.join(fixes)}?)" if fixes else ""
    raise TypeError(f"{owner}: unknown {what} {unknown}{hint}; known: {known}")


def renamed_keywords(owner: str, seed: str, renamed: Mapping[str, str]):
    """Decorator: a keyword passed under a seed's name (a key of ``renamed``) raises a
    ``TypeError`` that says what to write here instead (the value), where Python said only
    "unexpected keyword argument". The seed's users bring its names with them; this
    tells them the new one rather than leaving them to search.

    >>> @renamed_keywords("run", "alberta-framework", {"learner_state": "state="})
    ... def run(steps, *, state=None):
    ...     return steps
    >>> run(3, state=None)
    3
    >>> run(3, learner_state=None)
    Traceback (most recent call last):
    ...
    TypeError: run: 'learner_state' is alberta-framework's name; here: state=
    """
    names = frozenset(renamed)

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not names.isdisjoint(kwargs):
                old = next(k for k in kwargs if k in names)
                raise TypeError(f"{owner}: {old!r} is {seed}'s name; here: {renamed[old]}")
            return func(*args, **kwargs)

        return wrapper

    return decorate
