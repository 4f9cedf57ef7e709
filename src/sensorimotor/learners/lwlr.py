"""Locally weighted regression forward model with three inverse strategies."""

import math

import numpy as np

from sensorimotor.base.blas import single_threaded_blas
from sensorimotor.learners.learner import Learner, _is_int, _is_number, check_kernel_width
from sensorimotor.learners.local_poly import local_fit, n_features, poly_jacobian

_INVERSES = ("nn", "jacobian", "optimize")


class LWLRLearner(Learner):
    """Locally weighted (polynomial) regression forward model; NN, Jacobian or optimised inverse.

    **Forward.** For a query ``m`` (scaled units), the ``k`` nearest observations in motor
    space are fitted by weighted least squares with a polynomial of ``degree`` in the
    offsets ``u = m_i - m`` (``local_fit``: tricube weights over the ``k``-th neighbour's
    distance, a per-query width, or a Gaussian of fixed ``width`` in scaled units), and
    ``predict(m) = beta[0]``. ``degree=1`` is classic LWLR (Atkeson, Moore & Schaal 1997,
    "Locally weighted learning"; explauto's ``LWLRForwardModel``), with ``k > dim(m) + 1``;
    the default ``degree=2`` (local quadratic, Cleveland & Devlin 1988) is about four times
    more accurate on the 7-joint arm for the same data (bench/arm7.py). ``k=None`` means
    ``4 * P`` with ``P = C(dim(m) + degree, degree)`` coefficients. When fewer observations
    than ``1.5 P`` exist the degree is lowered until the fit is determined. Each squared
    residual is weighted by the kernel value ``w_i`` (Atkeson et al.'s weighted least
    squares); explauto's and the ``learners`` package's code multiply the rows by the
    weight matrix twice, so their weights are ``w_i^2``: the same Gaussian ``width`` is
    ``sqrt(2)`` times wider here than their ``sigma``.

    **Inverse** (``inverse``):

    * ``'nn'``: the command of the nearest observation in sensory space.
    * ``'jacobian'``: from that nearest observation ``(m_j, s_j)``, one damped pseudo-inverse
      step ``m = m_j + J^T (J J^T + lambda I)^-1 (s* - s_j)`` with ``J`` the Jacobian of the
      local forward fit at ``m_j`` (the ``learners`` seed's local-Jacobian inverse).
    * ``'optimize'`` (default): the forward model is optimised from nearest-neighbour starts.
      For each of the ``inverse_anchors`` observations nearest to the goal ``s*`` in sensory
      space, a local polynomial ``p`` of ``inverse_degree`` is fitted around ``m_j`` on its
      ``inverse_k`` nearest motor neighbours and corrected for its local bias with the
      observation itself: ``f_j(m_j + u) = s_j + p(u) - p(0)`` is exact at the observed
      ``m_j``. Projected Gauss-Newton with Levenberg damping then minimises
      ``|s* - f_j(m_j + u)|^2`` within the motor bounds::

          u <- clip(u + J_F^T (J_F J_F^T + lambda I)^-1 (s* - f_j(m_j + u)), bounds)

      where ``J_F`` is the model's Jacobian with the columns of joints held at a bound
      (and pushed outwards) zeroed; a step is limited to half the fit's radius. The score
      of an anchor's answer is ``|s* - f_j| + inverse_step_cost * |u|`` (predicted residual
      plus the excursion from the observed command, where the bias correction holds
      best); the next anchor is only tried while the best excursion exceeds
      ``inverse_restart``, and the best-scoring answer is kept.

    ================================  =====================================================
    config (``defcfg``)               meaning
    ================================  =====================================================
    ``k``, ``degree``, ``width``      forward fit: neighbours (``None``: ``4 P``), polynomial
                                      degree (2), kernel width (``None``: per-query tricube)
    ``ridge``                         forward ridge on the coefficients but the intercept
                                      (1e-5; see ``local_fit``)
    ``inverse``                       ``'nn'``, ``'jacobian'`` or ``'optimize'`` (default)
    ``inverse_degree``, ``inverse_k`` the anchored model: degree 3, ``None``: ``2.5 P``
    ``inverse_ridge``                 its ridge (1e-6)
    ``inverse_anchors``               at most this many starts (2)
    ``inverse_iterations``            Gauss-Newton steps per start (2)
    ``inverse_damping``               Levenberg ``lambda`` (1e-6, scaled units squared)
    ``inverse_step_cost``             excursion weight in the score (0.05)
    ``inverse_restart``               try another start while the excursion exceeds this
                                      (0.02, scaled motor units)
    ``max_features``                  degrees above 1 whose polynomial has more coefficients
                                      are lowered (150: a cubic in 7 channels has 120, a
                                      quadratic in 20 channels 231, so arm20 fits linearly)
    ================================  =====================================================

    Limits: the optimised inverse needs enough observations for the local model to be local.
    On the 7-joint arm with 5000 observations it reaches ten times closer than ``'nn'``
    (bench/arm7.py); on the 20-joint arm (``KinematicArm2D.arm20()``, +-150 degrees) with
    3000, the nearest motor neighbour is about 1 scaled unit away, the linear fits it falls
    back to cannot resolve the Jacobian, and it is no better than ``'nn'`` (mean reach
    0.0088 against 0.0078).

    Cost: each fit is a ``k x P`` weighted least squares (the default inverse, ``P = 120``
    for 7 motor channels, is ~1 ms of CPU per ``infer`` on a 2-core VM); BLAS threads do
    not help matrices this small, so ``predict`` and ``infer`` run on one BLAS thread
    (``sensorimotor.base.blas``).

    Reimplemented from the papers above and the seeds' documented behaviour.

    >>> from sensorimotor import KinematicArm2D
    >>> arm = KinematicArm2D({'dim': 2, 'limits': (-90, 90)})
    >>> learner = LWLRLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> rng = np.random.default_rng(0)
    >>> m = arm.m_set.random(rng, 300)
    >>> learner.update_array(m, arm.execute_array(m))
    >>> goal = arm.execute_array(np.array([30.0, 45.0]))  # a reachable goal
    >>> reached = arm.execute_array(learner.infer_array(goal))
    >>> print(f"{np.linalg.norm(reached - goal):.1e}")
    4.6e-04
    """

    defcfg = {
        **Learner.defcfg,
        "k": None,
        "degree": 2,
        "width": None,
        "ridge": 1e-5,
        "inverse": "optimize",
        "inverse_anchors": 2,
        "inverse_degree": 3,
        "inverse_k": None,
        "inverse_iterations": 2,
        "inverse_ridge": 1e-6,
        "inverse_damping": 1e-6,
        "inverse_step_cost": 0.05,
        "inverse_restart": 0.02,
        "max_features": 150,
    }

    def _setup(self) -> None:
        cfg, name = self.cfg, type(self).__name__
        for key in ("degree", "inverse_degree"):
            if not _is_int(cfg[key]) or not 0 <= cfg[key] <= 4:
                raise ValueError(f"{name}: cfg[{key!r}] must be an int in 0..4, got {cfg[key]!r}")
        for key in ("k", "inverse_k"):
            if cfg[key] is not None and (not _is_int(cfg[key]) or cfg[key] < 1):
                raise ValueError(f"{name}: cfg[{key!r}] must be a positive int or None")
        for key in ("inverse_anchors", "inverse_iterations", "max_features"):
            if not _is_int(cfg[key]) or cfg[key] < 1:
                raise ValueError(f"{name}: cfg[{key!r}] must be a positive int, got {cfg[key]!r}")
        for key in (
            "ridge",
            "inverse_ridge",
            "inverse_damping",
            "inverse_step_cost",
            "inverse_restart",
        ):
            if not _is_number(cfg[key]) or not math.isfinite(cfg[key]) or cfg[key] < 0:
                raise ValueError(f"{name}: cfg[{key!r}] must be a number >= 0, got {cfg[key]!r}")
        width = cfg.width
        check_kernel_width(name, width)
        if not isinstance(cfg.inverse, str) or cfg.inverse not in _INVERSES:
            raise ValueError(
                f"{name}: cfg['inverse'] must be one of {_INVERSES}, got {cfg.inverse!r}"
            )
        n_m = len(self.m_set)
        fwd = self._plan(cfg.degree, cfg.k, 4.0, n_m, cfg.ridge, cfg.max_features)
        inv = self._plan(
            cfg.inverse_degree, cfg.inverse_k, 2.5, n_m, cfg.inverse_ridge, cfg.max_features
        )
        # against the highest degree fitted, i.e. after max_features has lowered it (a
        # quadratic in 20 channels fits linearly: k = 50 is enough)
        for key, plans in (("k", fwd), ("inverse_k", inv)):
            deg = plans[0][0]
            p = n_features(n_m, deg)
            if cfg[key] is not None and cfg[key] <= p:
                raise ValueError(
                    f"{name}: cfg[{key!r}] = {cfg[key]} must exceed the {p} coefficients of a "
                    f"degree-{deg} polynomial in {n_m} motor channels"
                )
        self._lo = np.where(self.m_set.bounded, 0.0, -np.inf)
        self._hi = np.where(self.m_set.bounded, 1.0, np.inf)
        self._fwd, self._inv = fwd, inv

    @staticmethod
    def _plan(degree: int, k, factor: float, dim: int, ridge: float, max_features: int):
        """Fits from the configured degree down to 0 (for sparse data): (degree, k, need, ridge).

        Degrees above 1 whose polynomial has more than ``max_features`` coefficients are
        skipped (a cubic in 20 motor channels has 1771).
        """
        plans = []
        for deg in range(degree, -1, -1):
            p = n_features(dim, deg)
            if deg > 1 and p > max_features:
                continue
            plans.append((deg, k if k is not None else int(round(factor * p)), 1.5 * p, ridge))
        return plans

    def _fit(self, plans, centre):
        n = len(self.memory)
        for deg, k, need, ridge in plans:
            if n >= need or deg == 0:
                d2, idx = self.memory.nearest("m", centre[None], min(k, n), check=False)
                beta, idx, d2 = local_fit(
                    self.memory.m,
                    self.memory.s,
                    centre,
                    min(k, n),
                    deg,
                    ridge,
                    self.cfg.width,
                    neighbours=(d2[0], idx[0]),
                )
                return deg, beta, idx, d2
        raise AssertionError("unreachable")

    # -- forward ----------------------------------------------------------------------------
    @single_threaded_blas
    def _predict(self, m: np.ndarray) -> np.ndarray:
        out = np.empty((m.shape[0], len(self.s_set)))
        for i, q in enumerate(m):
            out[i] = self._fit(self._fwd, q)[1][0]
        return out

    # -- inverse ----------------------------------------------------------------------------
    @single_threaded_blas
    def _infer(self, s: np.ndarray) -> np.ndarray:
        mode = self.cfg.inverse
        k = 1 if mode != "optimize" else self.cfg.inverse_anchors
        _, anchors = self.memory.nearest("s", s, k, check=False)
        mem_m, mem_s = self.memory.m, self.memory.s
        out = np.empty((s.shape[0], len(self.m_set)))
        for i, goal in enumerate(s):
            if mode == "nn":
                out[i] = mem_m[anchors[i, 0]]
                continue
            plans = self._fwd if mode == "jacobian" else self._inv
            iters = 1 if mode == "jacobian" else self.cfg.inverse_iterations
            best, best_score = None, math.inf
            for j in anchors[i]:
                x, score, excursion = self._descend(goal, mem_m[j], mem_s[j], plans, iters)
                if score < best_score:
                    best, best_score = x, score
                if excursion <= self.cfg.inverse_restart:
                    break
            out[i] = best
        return out

    def _descend(self, goal, m_j, s_j, plans, iters):
        """Projected damped Gauss-Newton on the bias-corrected local model around ``m_j``."""
        deg, beta, _, d2 = self._fit(plans, m_j)
        radius = 0.5 * math.sqrt(d2[-1]) if d2[-1] > 0 else 1.0
        lam = self.cfg.inverse_damping
        lo, hi = self._lo - m_j, self._hi - m_j
        u = np.zeros_like(m_j)
        target = goal - s_j + beta[0]  # r(u) = s* - (s_j + p(u) - p(0)) = target - p(u)
        for it in range(iters + 1):
            if deg == 0:
                r = target - beta[0]
                break
            f, jf = poly_jacobian(u, deg)
            r = target - f @ beta
            if it == iters:
                break
            jac = beta.T @ jf
            free = np.ones_like(u)
            for _ in range(2):
                jfree = jac * free
                step = jfree.T @ _solve_spd(jfree @ jfree.T, lam, r)
                blocked = ((u <= lo) & (step < 0)) | ((u >= hi) & (step > 0))
                if not (free[blocked] > 0).any():
                    break
                free[blocked] = 0.0
            norm = math.sqrt(float(step @ step))
            if norm > radius:
                step *= radius / norm
            u = np.clip(u + step, lo, hi)
        excursion = math.sqrt(float(u @ u))
        score = math.sqrt(float(r @ r)) + self.cfg.inverse_step_cost * excursion
        return m_j + u, score, excursion


def _solve_spd(a: np.ndarray, lam: float, b: np.ndarray) -> np.ndarray:
    """``(a + lam I)^-1 b`` for a small symmetric positive semi-definite ``a``."""
    n = a.shape[0]
    if n == 1:
        return b / (a[0, 0] + lam)
    if n == 2:
        p, q, s = a[0, 0] + lam, a[0, 1], a[1, 1] + lam
        det = p * s - q * q
        if det > 0:
            return np.array([s * b[0] - q * b[1], p * b[1] - q * b[0]]) / det
    a = a.copy()
    a.flat[:: n + 1] += lam
    return np.linalg.lstsq(a, b, rcond=None)[0]
