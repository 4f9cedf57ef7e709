"""Small dense linear algebra runs on one BLAS thread.

OpenBLAS splits a 120 x 120 solve over every core. On a laptop that gains nothing at this
size, and on a loaded or shared machine its spinning threads make the solve ten to a
hundred times slower (measured here: 0.32 ms on one thread against 15-100 ms on two busy
cores). Per-query local fits (``LWLRLearner``) therefore run inside ``single_threaded_blas``,
which limits the BLAS thread pool for the duration of the call only (threadpoolctl, ~35 us
per entry) and restores the user's setting on exit.
"""

import functools

from threadpoolctl import ThreadpoolController

_controller = None


def single_threaded_blas(func):
    """Decorator: run ``func`` with the BLAS thread pool limited to one thread.

    >>> import numpy as np
    >>> @single_threaded_blas
    ... def solve(a, b):
    ...     return np.linalg.solve(a, b)
    >>> solve(np.eye(2) * 2.0, np.ones(2))
    array([0.5, 0.5])
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _controller
        if _controller is None:
            _controller = ThreadpoolController()
        with _controller.limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper
