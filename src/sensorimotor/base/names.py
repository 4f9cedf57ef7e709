"""Unknown names refused with the nearest known one suggested."""

from __future__ import annotations

import difflib

__all__ = ["check_known_names", "nearest"]


def nearest(word: str, known) -> str:
    """``" (did you mean 'x'?)"`` for the known word nearest to ``word``, or ``""``.

    >>> nearest("stepsize", ["step_size", "steps", "bias"]), nearest("gamma", ["bias"])
    (" (did you mean 'step_size'?)", '')
    """
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    hints = [(name, nearest(name, known)) for name in unknown]
    if len(unknown) == 1:
        hint = hints[0][1]
    else:
        pairs = [f"{h[len(' (did you mean ') : -2]} for {name!r}" for name, h in hints if h]
        hint = f" (did you mean {', '.join(pairs)}?)" if pairs else ""
    raise TypeError(f"{owner}: unknown {what} {unknown}{hint}; known: {known}")
