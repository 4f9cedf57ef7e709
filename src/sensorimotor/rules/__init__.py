"""Closed-form online rules on the array API: eager on NumPy, compiled on JAX.

Each rule is a frozen NamedTuple of settings, whose class declares their bounds in
``BOUNDS`` (checked by ``init``: see :mod:`sensorimotor.base.bounds`), with
``init(n, xp=None, dtype=None)`` and a pure update: ``update_from_error(state, z, error) -> (state, increment)`` for the
supervised rules (``z`` is the feature vector of a linear learner, or a network's output
gradient), ``update_from_td_error(state, x, next_x, td_error, gamma)`` for the TD rules,
and ``update(state, x) -> (state, x_normalised)`` for the normalisers.

The network rules ``ObGD`` and ``AdaptiveObGD`` (JAX, over parameter pytrees) come in a
pure form (``obgd_apply``: ``(params, trace, error) -> params``) and as optax
transformations (``obgd``, ``adaptive_obgd``). ``as_optax`` makes any supervised rule an
optax transformation over a network's flattened parameters. Each network optimiser's
settings give theirs with ``to_optax()`` (``ObGD``, ``AdaptiveObGD``, ``LMS``, ``Autostep``),
the one calling convention ``update(z, state, params, *, error)`` that ``MLPLearner`` uses,
and report its step with ``effective_step_size(opt_state, z, error, z_l1)``.
"""

from sensorimotor.rules.adaptive_obgd import (
    AdaptiveObGD,
    AdaptiveObGDState,
    adaptive_obgd,
    adaptive_obgd_apply,
    adaptive_obgd_init,
)
from sensorimotor.rules.as_optax import as_optax
from sensorimotor.rules.auto_td_idbd import AutoTDIDBD, AutoTDIDBDState
from sensorimotor.rules.autostep import Autostep, AutostepState
from sensorimotor.rules.guard import DivergenceError
from sensorimotor.rules.idbd import IDBD, IDBDState
from sensorimotor.rules.lms import LMS, LMSState
from sensorimotor.rules.nlms import NLMS, NLMSState
from sensorimotor.rules.normalizers import (
    EMANormalizer,
    EMANormalizerState,
    WelfordNormalizer,
    WelfordNormalizerState,
)
from sensorimotor.rules.obgd import ObGD, ObGDState, obgd, obgd_apply
from sensorimotor.rules.rls import RLS, RLSState
from sensorimotor.rules.rls_td import RLSTD, RLSTDState
from sensorimotor.rules.td_idbd import TDIDBD, TDIDBDState

__all__ = [
    "LMS",
    "LMSState",
    "NLMS",
    "NLMSState",
    "IDBD",
    "IDBDState",
    "Autostep",
    "AutostepState",
    "RLS",
    "RLSState",
    "RLSTD",
    "RLSTDState",
    "TDIDBD",
    "TDIDBDState",
    "AutoTDIDBD",
    "AutoTDIDBDState",
    "EMANormalizer",
    "EMANormalizerState",
    "WelfordNormalizer",
    "WelfordNormalizerState",
    "DivergenceError",
    "ObGD",
    "ObGDState",
    "obgd",
    "obgd_apply",
    "AdaptiveObGD",
    "AdaptiveObGDState",
    "adaptive_obgd",
    "adaptive_obgd_apply",
    "adaptive_obgd_init",
    "as_optax",
]
