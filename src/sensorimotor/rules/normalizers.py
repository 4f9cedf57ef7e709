"""Online input normalisers: exponential moving average and Welford."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import POSITIVE, Bounds, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace


class EMANormalizerState(NamedTuple):
    """Running ``mean`` and ``var`` (shape ``(n,)``) and the bias-correction weight ``w``.

    Example:
        >>> import numpy as np
        >>> norm = EMANormalizer(decay=0.9)
        >>> state, _ = norm.update(norm.init(2), np.array([1.0, 3.0]))
        >>> print(state.mean, state.var, round(float(state.w), 6))  # w = 1 - decay ** t
        [1. 3.] [0. 0.] 0.1
    """

    mean: Any
    var: Any
    w: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("var", "w")


class EMANormalizer(NamedTuple):
    r"""Normalise each input by exponential moving estimates of its mean and variance.

    With decay :math:`\rho` and :math:`c_t = 1 - \rho^t` (bias correction, as in Adam):

    .. math::
        c &\leftarrow \rho\,c + (1-\rho), \qquad
        a = (1-\rho)/c \\
        d &= x - \mu, \qquad \mu \leftarrow \mu + a\,d, \qquad
        \sigma^2 \leftarrow (1-a)\,(\sigma^2 + a\,d^2) \\
        \hat x &= (x - \mu) / \sqrt{\sigma^2 + \epsilon}

    The first sample gives :math:`a = 1` (mean = sample, variance 0). The variance
    recursion is the exponentially weighted form of Welford's (Finch 2009), which stays
    non-negative in float32. float32 is adequate here: the statistics forget with time
    constant :math:`1/(1-\rho)`, so round-off does not accumulate.

    ``update(state, x) -> (state, x_normalised)`` updates the statistics with ``x``, then
    normalises ``x`` with them.

    alberta-framework's ``EMANormalizer`` has the same update order and the same variance
    recursion, but starts from mean 0 and variance 1 and ramps its decay as
    :math:`\min(\rho, 1 - 1/(t+1))`, so that start counts as one sample (its first
    normalised input is not 0), and divides by :math:`\sigma + \epsilon`; it also accepts
    ``decay = 1`` (a running mean of all inputs), which is refused here: use
    :class:`WelfordNormalizer`. Until the second update the variance here is 0, so
    :meth:`normalize` divides by :math:`\sqrt\epsilon`.

    Example:
        >>> import numpy as np
        >>> norm = EMANormalizer(decay=0.5)
        >>> s = norm.init(1)
        >>> s, _ = norm.update(s, np.array([1.0]))
        >>> s, xn = norm.update(s, np.array([3.0]))
        >>> print(s.mean, s.var)
        [2.33333333] [0.88888889]
    """

    decay: float = 0.99
    eps: float = 1e-8

    # eps > 0: the first sample's variance is 0, and eps 0 made its normalised value 0 / 0
    BOUNDS = dict(decay=Bounds(0.0, 1.0), eps=POSITIVE)

    def init(self, n: int, xp=None, dtype=None) -> EMANormalizerState:
        """Statistics for ``n`` inputs."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.decay)
        dtype = default_float(xp, dtype)
        zero = xp.zeros((n,), dtype=dtype)
        return EMANormalizerState(zero, zero, xp.zeros((), dtype=dtype))

    def update(self, state: EMANormalizerState, x):
        """Return ``(state, (x - mean) / sqrt(var + eps))`` with the statistics updated."""
        xp = namespace(x)
        c = self.decay * state.w + (1.0 - self.decay)
        a = (1.0 - self.decay) / c
        d = x - state.mean
        mean = state.mean + a * d
        var = (1.0 - a) * (state.var + a * d * d)
        return EMANormalizerState(mean, var, c), (x - mean) / xp.sqrt(var + self.eps)

    def normalize(self, state: EMANormalizerState, x):
        """Normalise ``x`` with the current statistics, without updating them."""
        xp = namespace(x)
        return (x - state.mean) / xp.sqrt(state.var + self.eps)


class WelfordNormalizerState(NamedTuple):
    """Sample ``count`` (scalar), ``mean`` and ``m2`` (sum of squared deviations), ``(n,)``.

    Example:
        >>> import numpy as np
        >>> norm = WelfordNormalizer()
        >>> state, _ = norm.update(norm.init(2), np.array([1.0, 3.0]))
        >>> print(float(state.count), state.mean, state.m2)
        1.0 [1. 3.] [0. 0.]
    """

    count: Any
    mean: Any
    m2: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("count", "m2")


class WelfordNormalizer(NamedTuple):
    r"""Normalise by the mean and variance of all inputs seen so far (Welford 1962).

    .. math::
        n \leftarrow n + 1, \quad d = x - \mu, \quad \mu \leftarrow \mu + d / n, \quad
        M_2 \leftarrow M_2 + d\,(x - \mu), \quad
        \hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}, \quad
        \sigma^2 = M_2 / n \text{ once } n \ge 2, \text{ else } 1

    After every sample ``mean`` and ``m2 / count`` equal the batch mean and (population)
    variance of the inputs seen so far. Until there are two samples the variance is taken
    as 1, as the stream-x reference code and alberta-framework do: a learner's ``predict``
    (:meth:`normalize`) before its second sample then sees ``x - mean``, not that divided
    by :math:`\sqrt\epsilon` (the first sample itself normalises to 0 either way). The
    stream-x reference code (Elsayed et al. 2024, ``SampleMeanStd``;
    :func:`sensorimotor.agents.stream.stream_x.sample_variance` here) and
    alberta-framework's ``WelfordNormalizer`` divide by the sample variance
    :math:`M_2/(n-1)` instead: their normalised input is smaller by :math:`\sqrt{(n-1)/n}`
    (0.71 at the second sample, 0.95 at the tenth, within 0.5 % after 100).

    Precision: long runs need float64. In float32 the count stops growing at
    :math:`2^{24} \approx 1.7\times10^7` samples, and well before that the increment
    :math:`d/n` falls below the resolution of :math:`\mu` so the mean stops moving;
    Welford's form keeps ``m2`` non-negative, so the float32 path stays finite and usable
    for up to about :math:`10^6` samples (tested), but its statistics freeze after that.
    Use :class:`EMANormalizer` on a non-stationary float32 stream.

    Example:
        >>> import numpy as np
        >>> norm = WelfordNormalizer()
        >>> s = norm.init(1)
        >>> for v in (1.0, 2.0, 3.0, 4.0):
        ...     s, xn = norm.update(s, np.array([v]))
        >>> print(s.mean, s.m2 / s.count)
        [2.5] [1.25]
    """

    eps: float = 1e-8

    BOUNDS = dict(eps=POSITIVE)  # the first sample's variance is 0: eps 0 gave 0 / 0

    def init(self, n: int, xp=None, dtype=None) -> WelfordNormalizerState:
        """Statistics for ``n`` inputs."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.eps)
        dtype = default_float(xp, dtype)
        zero = xp.zeros((n,), dtype=dtype)
        return WelfordNormalizerState(xp.zeros((), dtype=dtype), zero, zero)

    def update(self, state: WelfordNormalizerState, x):
        """Return ``(state, (x - mean) / sqrt(var + eps))`` with the statistics updated."""
        xp = namespace(x)
        count = state.count + 1.0
        d = x - state.mean
        mean = state.mean + d / count
        m2 = state.m2 + d * (x - mean)
        # no "1 until two samples" here: at the first sample x - mean is exactly 0 either way
        return WelfordNormalizerState(count, mean, m2), (x - mean) / xp.sqrt(m2 / count + self.eps)

    def normalize(self, state: WelfordNormalizerState, x):
        """Normalise ``x`` with the current statistics, without updating them.

        >>> import numpy as np
        >>> norm = WelfordNormalizer()
        >>> s, _ = norm.update(norm.init(1), np.array([2.0]))
        >>> print(norm.normalize(s, np.array([3.0])))  # one sample: variance taken as 1
        [1.]
        """
        xp = namespace(x)
        n = state.count
        var = xp.where(n >= 2, state.m2 / xp.maximum(n, 1.0), 1.0)
        return (x - state.mean) / xp.sqrt(var + self.eps)
