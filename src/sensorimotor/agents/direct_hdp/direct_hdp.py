r"""Si and Wang's (2001) direct heuristic dynamic programming: two small networks, one
critic J(s, a) and one actor a(s), both trained online by backpropagation.

The critic is ADHDP's critic without the reservoir: a network with one hidden layer of
bipolar-sigmoid units on the state and the action, and a linear output,

.. math::
    h = \phi(W_c [s; a]), \qquad J(s, a) = w_c^\top h, \qquad
    \phi(q) = \frac{1 - e^{-q}}{1 + e^{-q}} = \tanh(q / 2);

the actor one with bipolar-sigmoid hidden units and outputs on the state,
:math:`a(s) = \phi(W_a^{(2)} \phi(W_a^{(1)} s))`, in ``[-1, 1]`` (a normalised action).
Neither network has biases, as in Si and Wang's. The functions here take one sample and
work on NumPy or JAX arrays alike (the engine of the weights); the loops that train
(:func:`train_critic`, :func:`train_actor`) are ``jax.lax.while_loop`` s, so that a
whole run compiles (:mod:`sensorimotor.agents.direct_hdp.direct_hdp_compiled`).
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.base.bounds import COUNT, FINITE, NON_NEGATIVE, POSITIVE, UNIT, check_settings
from sensorimotor.rules.array_namespace import namespace


class _DirectHDPFields(NamedTuple):
    hidden: int = 6
    gamma: float = 0.95
    critic_rate: float = 0.3
    actor_rate: float = 0.3
    rate_decay: float = 0.05
    decay_every: int = 5
    min_critic_rate: float = 0.005
    min_actor_rate: float = 0.005
    critic_cycles: int = 50
    actor_cycles: int = 100
    critic_tolerance: float = 0.05
    actor_tolerance: float = 0.005
    objective: float = 0.0
    init_scale: float = 1.0
    max_weight: float = 1.5
    critic_form: str = "si_wang"


CRITIC_FORMS = ("si_wang", "td")


class DirectHDPConfig(_DirectHDPFields):
    r"""The hyperparameters of :class:`DirectHDP`, Si and Wang's by default (from their
    group's simulation program).

    ``hidden`` units in each network (6); the discount ``gamma`` (their :math:`\alpha`,
    0.95); the learning rates ``critic_rate`` and ``actor_rate``, 0.3 at the start of
    every trial, lowered by ``rate_decay`` = 0.05 every ``decay_every`` = 5 steps down to
    ``min_critic_rate`` and ``min_actor_rate`` = 0.005; the internal cycles per step,
    at most ``critic_cycles`` = 50 and ``actor_cycles`` = 100, each loop ending early once
    its cost :math:`\tfrac12 e^2` is at most ``critic_tolerance`` = 0.05 or
    ``actor_tolerance`` = 0.005; the actor's objective ``objective`` :math:`U_c` (0: no
    failure ever); ``init_scale``: every weight starts uniform in ``+-init_scale`` (1);
    ``max_weight``: after the critic's cycles, a layer of the critic whose largest
    weight exceeds it in magnitude (1.5) is divided by that largest magnitude, which
    keeps the critic from running away; ``critic_form``: ``"si_wang"`` descends the
    error through the later value :math:`J(t)`, as they do, ``"td"`` through the
    earlier one (semi-gradient TD(0)); see :func:`direct_hdp_update`.

    A NamedTuple (and so a pytree) whose settings are checked when it is made, also by
    ``_replace``: a value outside its bounds, NaN or a non-number is a ``ValueError``
    (``TypeError``) naming the field. A config that JAX rebuilds (``jax.tree.map``) is
    not checked, as it may hold anything; the functions that use one check it again.

    >>> import jax
    >>> config = DirectHDPConfig(hidden=4)
    >>> print([round(float(r), 3) for r in learning_rates(12, config)])  # 0.3 - 2 * 0.05
    [0.2, 0.2]
    >>> config._replace(gamma=1.5)
    Traceback (most recent call last):
    ...
    ValueError: DirectHDPConfig.gamma must be a finite number in [0, 1], got 1.5
    >>> DirectHDPConfig(hidden=0)
    Traceback (most recent call last):
    ...
    ValueError: DirectHDPConfig.hidden must be an int in [1, inf), got 0
    """

    __slots__ = ()
    __signature__ = inspect.signature(_DirectHDPFields)  # help() shows the fields

    BOUNDS = {
        "hidden": COUNT,
        "gamma": UNIT,
        "critic_rate": NON_NEGATIVE,
        "actor_rate": NON_NEGATIVE,
        "rate_decay": NON_NEGATIVE,
        "decay_every": COUNT,
        "min_critic_rate": NON_NEGATIVE,
        "min_actor_rate": NON_NEGATIVE,
        "critic_cycles": COUNT,
        "actor_cycles": COUNT,
        "critic_tolerance": NON_NEGATIVE,
        "actor_tolerance": NON_NEGATIVE,
        "objective": FINITE,
        "init_scale": POSITIVE,
        "max_weight": POSITIVE,
    }

    def __new__(cls, *args, **kwargs):
        return check_direct_hdp_config(super().__new__(cls, *args, **kwargs))

    @classmethod
    def _make(cls, iterable):  # NamedTuple's _replace builds through _make: checked too
        return cls(*iterable)


def check_direct_hdp_config(config):
    """``config`` if its settings are in their bounds (``BOUNDS``) and its ``critic_form``
    one of ``CRITIC_FORMS``; else a ``ValueError`` (``TypeError``) naming the setting. A
    config that JAX rebuilt was not checked when made; this checks it where it is used:

    >>> doubled = jax.tree.map(lambda x: x * 2, DirectHDPConfig())  # unchecked
    >>> check_direct_hdp_config(doubled)
    Traceback (most recent call last):
    ...
    ValueError: DirectHDPConfig.gamma must be a finite number in [0, 1], got 1.9
    """
    if not isinstance(config, DirectHDPConfig):  # a dict was read as config.gamma's error
        raise TypeError(f"config must be a DirectHDPConfig, got {type(config).__name__}")
    check_settings(config)
    if config.critic_form not in CRITIC_FORMS:
        forms = " or ".join(map(repr, CRITIC_FORMS))
        raise ValueError(f"DirectHDPConfig.critic_form must be {forms}, got {config.critic_form!r}")
    return config


# JAX rebuilds a NamedTuple by calling its class with the new leaves, which may be
# anything (None, a placeholder, a tracer of an int field): not a user's config, so
# rebuilt unchecked, with the same children and key paths as a plain NamedTuple's.
jax.tree_util.register_pytree_with_keys(
    DirectHDPConfig,
    lambda c: (tuple((jax.tree_util.GetAttrKey(n), v) for n, v in zip(c._fields, c)), None),
    lambda _, children: tuple.__new__(DirectHDPConfig, children),
)


DEFAULT_DIRECT_HDP = DirectHDPConfig()


class DirectHDPParams(NamedTuple):
    """The weights: the critic's ``critic_in`` ``(hidden, state + action)`` and
    ``critic_out`` ``(hidden,)``, the actor's ``actor_in`` ``(hidden, state)`` and
    ``actor_out`` ``(action, hidden)``.

    >>> import jax
    >>> params = init_direct_hdp(jax.random.key(0), 4)  # a cart-pole's 4 numbers, 6 hidden
    >>> print([w.shape for w in params])
    [(6, 5), (6,), (6, 4), (1, 6)]
    """

    critic_in: Any
    critic_out: Any
    actor_in: Any
    actor_out: Any


def init_direct_hdp(key, state_dim: int, action_dim: int = 1, config=DEFAULT_DIRECT_HDP):
    """Weights uniform in ``+-config.init_scale`` drawn with the JAX ``key``.

    >>> import jax
    >>> p = init_direct_hdp(jax.random.key(0), 4)
    >>> p.critic_in.shape, p.actor_out.shape
    ((6, 5), (1, 6))
    """
    check_direct_hdp_config(config)
    h, r = config.hidden, config.init_scale
    shapes = [(h, state_dim + action_dim), (h,), (h, state_dim), (action_dim, h)]
    keys = jax.random.split(key, len(shapes))
    return DirectHDPParams(
        *(jax.random.uniform(k, s, minval=-r, maxval=r) for k, s in zip(keys, shapes))
    )


def bipolar(q):
    r"""Si and Wang's bipolar sigmoid :math:`(1 - e^{-q}) / (1 + e^{-q}) = \tanh(q/2)`.

    >>> round(float(bipolar(1.0)), 4)
    0.4621
    """
    return namespace(q).tanh(q / 2.0)


def critic_value(params: DirectHDPParams, state, action):
    r"""``(J, h, z)``: the critic's value :math:`J = w_c^\top \phi(W_c z)` of ``z = [state;
    action]``, with the hidden layer ``h`` and the input ``z`` (for the gradients).

    >>> import numpy as np
    >>> p = DirectHDPParams(np.ones((2, 3)), np.array([1.0, -1.0]), None, None)
    >>> float(critic_value(p, np.array([0.5, 0.0]), np.array([1.0]))[0])
    0.0
    """
    xp = namespace(params.critic_out)
    z = xp.concatenate([state, action])
    h = bipolar(params.critic_in @ z)
    return params.critic_out @ h, h, z


def critic_gradient(params: DirectHDPParams, h, z):
    r"""``(dJ/dW_c, dJ/dw_c, dJ/dz)`` by backpropagation: :math:`\partial J / \partial w_c
    = h`, :math:`\delta = w_c (1 - h^2)/2`, :math:`\partial J / \partial W_c = \delta z^\top`,
    :math:`\partial J / \partial z = W_c^\top \delta` (the last entries are dJ/da).

    >>> import numpy as np
    >>> p = DirectHDPParams(np.zeros((1, 2)), np.array([2.0]), None, None)
    >>> J, h, z = critic_value(p, np.array([1.0]), np.array([0.0]))
    >>> critic_gradient(p, h, z)[0].tolist()
    [[1.0, 0.0]]
    """
    xp = namespace(h)
    delta = params.critic_out * (1.0 - h * h) / 2.0
    return xp.outer(delta, z), h, params.critic_in.T @ delta


def actor_action(params: DirectHDPParams, state):
    r"""``(a, g)``: the actor's action :math:`a = \phi(W_a^{(2)} g)`, :math:`g =
    \phi(W_a^{(1)} s)`, in ``[-1, 1]``, and its hidden layer ``g``.

    >>> import numpy as np
    >>> p = DirectHDPParams(None, None, np.eye(2), np.array([[1.0, 1.0]]))
    >>> round(float(actor_action(p, np.array([1.0, -1.0]))[0][0]), 6)
    0.0
    """
    g = bipolar(params.actor_in @ state)
    return bipolar(params.actor_out @ g), g


def actor_gradient(params: DirectHDPParams, state, a, g, da):
    r"""``(dL/dW_a^{(1)}, dL/dW_a^{(2)})`` of a loss ``L`` whose gradient with respect to
    the action is ``da``: :math:`\delta_v = da\,(1 - a^2)/2`, :math:`\partial L /
    \partial W_a^{(2)} = \delta_v g^\top`, :math:`\delta_g = (W_a^{(2)\top} \delta_v)
    (1 - g^2)/2`, :math:`\partial L / \partial W_a^{(1)} = \delta_g s^\top`.

    >>> import numpy as np
    >>> p = DirectHDPParams(None, None, np.zeros((1, 1)), np.array([[1.0]]))
    >>> s = np.array([2.0]); a, g = actor_action(p, s)
    >>> [float(x[0, 0]) for x in actor_gradient(p, s, a, g, np.array([1.0]))]
    [0.5, 0.0]
    """
    xp = namespace(g)
    delta_v = da * (1.0 - a * a) / 2.0
    delta_g = (params.actor_out.T @ delta_v) * (1.0 - g * g) / 2.0
    return xp.outer(delta_g, state), xp.outer(delta_v, g)


def learning_rates(step, config: DirectHDPConfig):
    """``(critic rate, actor rate)`` at ``step`` steps into a trial: each starts at its
    ``*_rate``, falls by ``rate_decay`` every ``decay_every`` steps, and stays at its
    ``min_*_rate`` once there.

    >>> [round(float(r), 6) for r in learning_rates(12, DirectHDPConfig())]
    [0.2, 0.2]
    """
    xp = namespace(step)
    fall = config.rate_decay * (step // config.decay_every)
    return (
        xp.maximum(config.critic_rate - fall, config.min_critic_rate),
        xp.maximum(config.actor_rate - fall, config.min_actor_rate),
    )


def train_critic(params, state, action, target, rate, config: DirectHDPConfig, scale=1.0):
    r"""Up to ``critic_cycles`` gradient steps on :math:`E_c = \tfrac12 e_c^2`, :math:`e_c
    = \kappa J(s, a) - y` (``scale`` :math:`\kappa`, the target ``y`` held fixed), while
    :math:`E_c >` ``critic_tolerance``: :math:`w \leftarrow w - l_c\, \kappa\, e_c\,
    \partial J / \partial w`; then each critic layer is brought back to ``max_weight``
    (see :class:`DirectHDPConfig`). Returns ``(params, cycles done)`` (JAX).

    >>> import jax, jax.numpy as jnp
    >>> c = DirectHDPConfig()
    >>> p = init_direct_hdp(jax.random.key(0), 4, config=c)
    >>> s, a = jnp.full(4, 0.5), jnp.zeros(1)
    >>> p2, cycles = train_critic(p, s, a, -1.0, 0.3, c)
    >>> bool(abs(critic_value(p2, s, a)[0] + 1) < abs(critic_value(p, s, a)[0] + 1))
    True
    """

    def error(p):
        J, h, z = critic_value(p, state, action)
        return scale * J - target, h, z

    def cond(carry):
        p, i = carry
        return (i < config.critic_cycles) & (0.5 * error(p)[0] ** 2 > config.critic_tolerance)

    def body(carry):
        p, i = carry
        e, h, z = error(p)
        d_in, d_out, _ = critic_gradient(p, h, z)
        step = rate * scale * e
        return p._replace(
            critic_in=p.critic_in - step * d_in, critic_out=p.critic_out - step * d_out
        ), i + 1

    params, cycles = jax.lax.while_loop(cond, body, (params, jnp.zeros((), jnp.int32)))
    return params._replace(
        critic_in=bounded_layer(params.critic_in, config.max_weight),
        critic_out=bounded_layer(params.critic_out, config.max_weight),
    ), cycles


def bounded_layer(w, max_weight):
    """``w`` divided by its largest magnitude if that exceeds ``max_weight``, else ``w``
    (Si and Wang's group's normalisation of the critic's weights).

    >>> import jax.numpy as jnp
    >>> bounded_layer(jnp.array([3.0, -1.5]), 1.5).tolist()
    [1.0, -0.5]
    """
    top = jnp.max(jnp.abs(w))
    return jnp.where(top > max_weight, w / top, w)


def actor_error(params: DirectHDPParams, state, config: DirectHDPConfig):
    """The actor's error ``e_a = J(state, a(state)) - objective``, its action ``a`` and
    the critic's ``dJ/da`` there: ``(e_a, a, g, dJ/da)``.

    >>> import jax, jax.numpy as jnp
    >>> p = init_direct_hdp(jax.random.key(0), 4)
    >>> e, a, g, dJ_da = actor_error(p, jnp.zeros(4), DirectHDPConfig())
    >>> float(e), float(a[0])
    (0.0, 0.0)
    """
    a, g = actor_action(params, state)
    J, h, z = critic_value(params, state, a)
    dJ_dz = critic_gradient(params, h, z)[2]
    return J - config.objective, a, g, dJ_dz[state.shape[0] :]


def train_actor(params: DirectHDPParams, state, rate, config: DirectHDPConfig):
    r"""Up to ``actor_cycles`` gradient steps on :math:`\tfrac12 e_a^2`, :math:`e_a =
    J(s, a(s)) - U_c`, backpropagated through the critic (held fixed) into the actor,
    while :math:`\tfrac12 e_a^2 >` ``actor_tolerance``. Returns ``(params, cycles done)`` (JAX).

    >>> import jax, jax.numpy as jnp
    >>> c = DirectHDPConfig()
    >>> p = init_direct_hdp(jax.random.key(1), 4, config=c)
    >>> s = jnp.array([0.1, 0.0, 0.5, 0.2])
    >>> p2, cycles = train_actor(p, s, 0.3, c)
    >>> bool(abs(actor_error(p2, s, c)[0]) <= abs(actor_error(p, s, c)[0]))
    True
    """

    def cond(carry):
        p, i = carry
        return (i < config.actor_cycles) & (
            0.5 * actor_error(p, state, config)[0] ** 2 > config.actor_tolerance
        )

    def body(carry):
        p, i = carry
        e, a, g, dJ_da = actor_error(p, state, config)
        d_in, d_out = actor_gradient(p, state, a, g, e * dJ_da)
        p = p._replace(actor_in=p.actor_in - rate * d_in, actor_out=p.actor_out - rate * d_out)
        return p, i + 1

    return jax.lax.while_loop(cond, body, (params, jnp.zeros((), jnp.int32)))


def direct_hdp_update(params, state, action, j_prev, reward, next_state, failed, step, config):
    r"""One step of learning after the plant went from ``state`` under ``action`` to
    ``next_state`` with ``reward`` (``failed``: the step ended the trial). The critic
    learns first, then the actor at ``next_state``, the state its next action is for
    (:func:`train_actor`, skipped after a failure). ``step`` is the step in the trial,
    for :func:`learning_rates`. Returns ``(params, j_next, info)``: ``j_next`` is
    :math:`J(s', a(s'))` after learning (the next step's ``j_prev``), ``info`` holds the
    critic's error ``e_c`` before learning and the cycles each network took.

    ``critic_form="si_wang"`` (Si and Wang's): with :math:`J(t) = J(s', a(s'))` and
    ``j_prev`` :math:`= J(t-1)`, the value the previous step ended with,

    .. math::
        e_c(t) = \gamma J(t) - [J(t-1) - r(t)],

    descended through :math:`J(t)` (:func:`train_critic` with ``scale`` :math:`\gamma`),
    also at the failing step: there :math:`J(t)` is the failed state's value (the
    trial's end; the next trial starts with ``j_prev`` = the value of its start, and no
    error ever joins two trials). ``critic_form="td"``: semi-gradient TD(0) on the same
    error written forwards, :math:`e_c = J(s, a) - [r + \gamma J(s', a(s'))]` descended
    through :math:`J(s, a)`, with :math:`J(s', a(s')) = 0` after a failure.

    >>> import jax, jax.numpy as jnp
    >>> c = DirectHDPConfig()
    >>> p = init_direct_hdp(jax.random.key(0), 4, config=c)
    >>> s = jnp.zeros(4); a = actor_action(p, s)[0]
    >>> p, j, info = direct_hdp_update(p, s, a, 0.0, -1.0, s, True, 0, c)
    >>> float(info['critic_error'])  # gamma J(0, 0) - (0 - (-1)), J(0, 0) = 0
    -1.0
    """
    critic_rate, actor_rate = learning_rates(step, config)
    a_next = actor_action(params, next_state)[0]
    j_next = critic_value(params, next_state, a_next)[0]
    if config.critic_form == "si_wang":
        error = config.gamma * j_next - (j_prev - reward)
        at_state, at_action, target, scale = next_state, a_next, j_prev - reward, config.gamma
    elif config.critic_form == "td":
        target = reward + jnp.where(failed, 0.0, config.gamma * j_next)
        error = critic_value(params, state, action)[0] - target
        at_state, at_action, scale = state, action, 1.0
    else:
        raise ValueError(f"critic_form must be 'si_wang' or 'td', got {config.critic_form!r}")
    params, critic_cycles = train_critic(
        params, at_state, at_action, target, critic_rate, config, scale
    )
    trained, actor_cycles = train_actor(params, next_state, actor_rate, config)
    params = jax.tree.map(lambda new, old: jnp.where(failed, old, new), trained, params)
    j_next = critic_value(params, next_state, actor_action(params, next_state)[0])[0]
    info = {
        "critic_error": error,
        "critic_cycles": critic_cycles,
        "actor_cycles": jnp.where(failed, 0, actor_cycles),
    }
    return params, j_next, info


__all__ = [
    "DirectHDPConfig",
    "CRITIC_FORMS",
    "check_direct_hdp_config",
    "DEFAULT_DIRECT_HDP",
    "DirectHDPParams",
    "init_direct_hdp",
    "bipolar",
    "critic_value",
    "critic_gradient",
    "bounded_layer",
    "actor_action",
    "actor_gradient",
    "actor_error",
    "learning_rates",
    "train_critic",
    "train_actor",
    "direct_hdp_update",
]
