"""Pure JAX core of the online network forward model: init, forward, replay step, inverse.

Everything here works on scaled units (every bounded channel mapped to ``[0, 1]``) and on
a ``NetworkState`` pytree threaded through pure functions; ``NetworkLearner`` wraps it.
The jitted functions take the ``NetworkConfig`` as a static argument, so they compile once
per configuration and replay capacity: the replay memory has a fixed number of rows (a
reservoir or a ring), so the shapes, and the compiled code, never change with the data.

The network is the library's one MLP (:mod:`sensorimotor.nets.mlp`: LeCun init, no
LayerNorm), kept here as one flat parameter vector ``theta`` (``nets.mlp.flatten_mlp``
order): Adam and the divergence guard then act on one array, and the saved files hold it
as such. The observations are kept in the one replay buffer
(:mod:`sensorimotor.nets.replay_buffer`), rows ``[m, s]``.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from sensorimotor.nets import replay_buffer
from sensorimotor.nets.mlp import flatten_mlp, init_mlp, mlp_apply, unflatten_mlp
from sensorimotor.nets.mlp import param_count as _param_count


class NetworkConfig(NamedTuple):
    """Static hyperparameters of the online network model (hashable: a jit static argument).

    Attributes:
        n_m, n_s: motor and sensory dimensions.
        hidden: widths of the hidden layers.
        activation: one of ``nets.mlp.ACTIVATIONS``: ``'gelu'``, ``'tanh'``, ``'silu'``,
            ``'relu'``, ``'leaky_relu'`` (the inverse needs a smooth one: not the relus).
        batch_size: minibatch of one update: the new observation plus ``batch_size - 1``
            observations drawn uniformly (with replacement) from the memory.
        learning_rate: Adam step size.
        restarts: inverse starts, the nearest observations of the goal in sensory space.
        iterations: projected Gauss-Newton iterations of the inverse from each start.
        damping: Levenberg-Marquardt damping ``lambda`` of the inverse step.
        distance_weight: the inverse keeps, among its restarts, the one minimising
            ``|r|^2 + distance_weight * |m - m_start|^2`` (far from its start, the start's bias
            correction is less valid).
        bias_neighbours: the inverse's bias correction at a start ``m_j`` is the weighted
            mean of ``s_i - f(m_i)`` over (up to) the ``bias_neighbours`` observations
            nearest to ``m_j`` in motor space (1: the start's own, exact for a deterministic
            system; more average out sensor noise; the caller's weights choose how many).
        replay: ``'reservoir'`` (the replay memory is a uniform sample of every observation,
            ``replay_buffer.add_reservoir``) or ``'ring'`` (the last ``capacity`` ones,
            ``replay_buffer.add``).
        dtype: float dtype of parameters and memory (``'float32'``; ``'float64'`` needs the
            caller to have enabled JAX's x64 mode).
    """

    n_m: int
    n_s: int
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "gelu"
    batch_size: int = 128
    learning_rate: float = 3e-3
    restarts: int = 2
    iterations: int = 8
    damping: float = 1e-4
    distance_weight: float = 0.01
    bias_neighbours: int = 1
    dtype: str = "float32"
    replay: str = "reservoir"


class NetworkState(NamedTuple):
    """State of the online network model (a pytree).

    Attributes:
        theta: flat parameter vector, shape ``(n_params,)`` (``nets.mlp.flatten_mlp``).
        opt_state: the Adam state of ``theta``.
        replay: the replayed observations, a :class:`~sensorimotor.nets.ReplayBuffer` of
            rows ``[m, s]`` (scaled): ``replay.data`` of shape ``(capacity, n_m + n_s)``, of
            which the first ``replay.count`` rows are observations; once full, a new one
            replaces a random row (reservoir) or the oldest (ring).
        key: raw data (uint32) of the PRNG key of the minibatch draws (raw data, not a typed
            key: a typed key output costs tens of microseconds of Python per call).
        seen: int32 scalar, observations offered to the replay memory so far.
    """

    theta: jax.Array
    opt_state: Any
    replay: replay_buffer.ReplayBuffer
    key: jax.Array
    seen: jax.Array


def layer_sizes(cfg: NetworkConfig) -> tuple[int, ...]:
    """``(n_m, *hidden, n_s)``.

    >>> layer_sizes(NetworkConfig(n_m=7, n_s=2))
    (7, 64, 64, 2)
    """
    return (cfg.n_m, *cfg.hidden, cfg.n_s)


def param_count(cfg: NetworkConfig) -> int:
    """Length of the flat parameter vector ``theta``: ``sum_l (fan_in_l + 1) fan_out_l``.

    >>> param_count(NetworkConfig(n_m=7, n_s=2))  # 8*64 + 65*64 + 65*2
    4802
    """
    return _param_count(layer_sizes(cfg))


def init_params(cfg: NetworkConfig, key) -> jax.Array:
    """Flat parameters: weights ``N(0, 1/fan_in)`` (LeCun normal), biases zero
    (``nets.mlp.init_mlp(..., init='lecun')``, flattened).

    ``key`` is a JAX PRNG key (``vmap`` over keys for an ensemble) or a NumPy ``Generator``
    (no compilation: what ``NetworkLearner`` uses, so that making one costs milliseconds).

    >>> cfg = NetworkConfig(n_m=2, n_s=1, hidden=(4,))
    >>> theta = init_params(cfg, jax.random.key(0))
    >>> theta.shape, theta.dtype, float(theta[8:12].sum())  # the hidden biases start at 0
    ((17,), dtype('float32'), 0.0)
    >>> import numpy as np
    >>> init_params(cfg, np.random.default_rng(0)).shape
    (17,)
    """
    sizes = layer_sizes(cfg)
    params = init_mlp(key, sizes[0], sizes[1:-1], sizes[-1], init="lecun", dtype=cfg.dtype)
    return jnp.asarray(flatten_mlp(params))


def forward(cfg: NetworkConfig, theta: jax.Array, m: jax.Array) -> jax.Array:
    """The forward model's prediction for one scaled motor command: the MLP in the model's
    units.

    With ``x = 2 m - 1`` (inputs centred on ``[-1, 1]``) and ``z`` the output of the MLP
    (``nets.mlp.mlp_apply``: hidden layers ``h_{l+1} = act(h_l W_l + b_l)``, no LayerNorm,
    a linear last layer)::

        f(m) = 1/2 + z / 2

    (the sensory range ``[0, 1]`` centred likewise).

    Args:
        m: shape ``(n_m,)``; ``vmap`` for batches.

    Returns:
        shape ``(n_s,)``.

    >>> cfg = NetworkConfig(n_m=2, n_s=1, hidden=(8,))
    >>> theta = init_params(cfg, jax.random.key(0))
    >>> forward(cfg, theta, jnp.array([0.5, 0.5])).shape, param_count(cfg)
    ((1,), 33)
    """
    params = unflatten_mlp(theta, layer_sizes(cfg))
    z = mlp_apply(params, 2.0 * m - 1.0, activation=cfg.activation, layer_norm=False)
    return 0.5 + 0.5 * z


def jacobian(cfg: NetworkConfig, theta: jax.Array, m: jax.Array) -> jax.Array:
    """Exact Jacobian ``J_ij = df_i/dm_j`` of ``forward`` at ``m``: ``(n_s, n_m)`` (reverse mode).

    >>> cfg = NetworkConfig(n_m=3, n_s=2, hidden=(8,))
    >>> jax.jit(jacobian, static_argnums=0)(cfg, init_params(cfg, jax.random.key(0)),
    ...                                     jnp.full(3, 0.5)).shape
    (2, 3)
    """
    return jax.jacrev(forward, argnums=2)(cfg, theta, m)


def optimizer(cfg: NetworkConfig) -> optax.GradientTransformation:
    """Adam (Kingma & Ba 2015, "Adam: a method for stochastic optimization") with step size
    ``learning_rate`` and optax's defaults ``b1 = 0.9, b2 = 0.999, eps = 1e-8``.

    >>> optimizer(NetworkConfig(n_m=1, n_s=1)).init(jnp.zeros(3))[0].count
    Array(0, dtype=int32)
    """
    return optax.adam(cfg.learning_rate)


def init_state(cfg: NetworkConfig, key: jax.Array, capacity: int = 8192) -> NetworkState:
    """Fresh parameters, optimiser state and an empty memory of ``capacity`` rows.

    ``key`` is a typed PRNG key (``jax.random.key(seed)``); ``vmap`` over keys makes an
    ensemble. See ``make_state`` to start from given parameters.

    >>> cfg = NetworkConfig(n_m=2, n_s=1, hidden=(4,))
    >>> state = init_state(cfg, jax.random.key(0), capacity=16)
    >>> state.replay.data.shape, int(state.replay.count)
    ((16, 3), 0)
    >>> jax.vmap(lambda k: init_state(cfg, k, 16))(jax.random.split(jax.random.key(0), 5)).theta.shape
    (5, 17)
    """
    init_key, key = jax.random.split(key)
    return make_state(cfg, init_params(cfg, init_key), jax.random.key_data(key), capacity)


def make_state(cfg: NetworkConfig, theta, key_data, capacity: int = 8192) -> NetworkState:
    """A state with parameters ``theta``, a fresh optimiser, an empty memory of ``capacity``
    rows and the minibatch key ``key_data`` (raw uint32 key data, ``jax.random.key_data``).

    >>> cfg = NetworkConfig(n_m=2, n_s=1, hidden=(4,))
    >>> import numpy as np
    >>> theta = init_params(cfg, np.random.default_rng(0))
    >>> make_state(cfg, theta, jax.random.key_data(jax.random.key(0)), 8).replay.data.shape
    (8, 3)
    """
    theta = jnp.asarray(theta, dtype=cfg.dtype)
    row = jax.ShapeDtypeStruct((cfg.n_m + cfg.n_s,), jnp.dtype(cfg.dtype))
    replay = replay_buffer.init(row, int(capacity))
    opt_state = optimizer(cfg).init(theta)
    return NetworkState(theta, opt_state, replay, jnp.asarray(key_data), jnp.int32(0))


def loss(cfg: NetworkConfig, theta: jax.Array, m: jax.Array, s: jax.Array) -> jax.Array:
    """Mean squared error ``mean_i |f(m_i) - s_i|^2`` over a minibatch ``(B, n_m), (B, n_s)``.

    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(4,))
    >>> theta = jnp.zeros(param_count(cfg))  # f = 1/2 everywhere
    >>> float(loss(cfg, theta, jnp.zeros((2, 1)), jnp.array([[0.5], [1.5]])))
    0.5
    """
    pred = jax.vmap(forward, (None, None, 0))(cfg, theta, m)
    return jnp.mean(jnp.sum((pred - s) ** 2, axis=-1))


def update(cfg: NetworkConfig, state: NetworkState, m: jax.Array, s: jax.Array) -> NetworkState:
    """Store one observation and take one Adam step on a minibatch with replay.

    The observation ``(m, s)`` (scaled, shapes ``(n_m,)``, ``(n_s,)``) is offered to the
    replay memory: stored as row ``count`` while it has room, then, with ``cfg.replay =
    'reservoir'``, stored in a random row with probability ``capacity / (seen + 1)``
    (``replay_buffer.add_reservoir``: the memory stays a uniform sample of all observations),
    or with ``'ring'`` in place of the oldest. The minibatch is the new observation plus
    ``batch_size - 1`` rows drawn uniformly from the stored ones (a uniform
    ``replay_buffer.sample`` of ``batch_size`` whose first row is replaced by the new one):
    the new observation is always trained on once; one step of Adam on ``loss`` follows. Guard: a step that would make a
    parameter or the optimiser state non-finite (divergence) is skipped; the observation is
    still stored. Pure; ``update_jit`` / ``update_donated`` are its compiled forms.

    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(8,), batch_size=4)
    >>> state = init_state(cfg, jax.random.key(0), capacity=16)
    >>> state = update_jit(cfg, state, jnp.array([0.2]), jnp.array([0.4]))
    >>> int(state.replay.count), state.replay.data[0].tolist()
    (1, [0.20000000298023224, 0.4000000059604645])
    """
    row = jnp.concatenate([m, s]).astype(state.replay.data.dtype)
    key, sub = jax.random.split(jax.random.wrap_key_data(state.key))
    if cfg.replay == "ring":
        replay = replay_buffer.add(state.replay, row)
    else:  # the slot draw from its own key: until full, the same stream as the ring
        slot_key = jax.random.fold_in(sub, 1)
        replay = replay_buffer.add_reservoir(state.replay, row, state.seen, slot_key)
    batch = replay_buffer.sample(replay, sub, cfg.batch_size).at[0].set(row)
    grad = jax.grad(loss, argnums=1)(cfg, state.theta, batch[:, : cfg.n_m], batch[:, cfg.n_m :])
    step, opt_state = optimizer(cfg).update(grad, state.opt_state, state.theta)
    theta = optax.apply_updates(state.theta, step)
    finite = jnp.all(jnp.isfinite(theta))
    for leaf in jax.tree.leaves(opt_state):
        finite &= jnp.all(jnp.isfinite(leaf))
    theta, opt_state = jax.tree.map(
        lambda new, old: jnp.where(finite, new, old),
        (theta, opt_state),
        (state.theta, state.opt_state),
    )
    seen = jnp.minimum(state.seen, jnp.iinfo(jnp.int32).max - 1) + 1
    return NetworkState(theta, opt_state, replay, jax.random.key_data(key), seen)


def update_many(
    cfg: NetworkConfig, state: NetworkState, m: jax.Array, s: jax.Array, valid: jax.Array
) -> NetworkState:
    """``update`` for every row ``i`` of ``m`` (B, n_m), ``s`` (B, n_s) with ``valid[i]``, in order.

    Rows with ``valid[i] == False`` are skipped (padding, so that one compiled loop serves
    every batch length). A ``lax.scan``: equal to ``update`` called row by row.

    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(4,), batch_size=2)
    >>> state = init_state(cfg, jax.random.key(0), capacity=8)
    >>> m = s = jnp.array([[0.1], [0.2], [0.3]])
    >>> state = update_many(cfg, state, m, s, jnp.array([True, False, True]))
    >>> int(state.replay.count), state.replay.data[:2, 0].round(2).tolist()
    (2, [0.1, 0.3])
    """

    def body(st, row):
        mi, si, ok = row
        return jax.lax.cond(ok, lambda t: update(cfg, t, mi, si), lambda t: t, st), None

    return jax.lax.scan(body, state, (m, s, valid))[0]


update_jit = jax.jit(update, static_argnums=0)
update_donated = jax.jit(update, static_argnums=0, donate_argnums=1)
update_many_donated = jax.jit(update_many, static_argnums=0, donate_argnums=1)


def predict_batch(cfg, theta, m):
    """``forward`` for every row of ``m`` (Q, n_m): shape ``(Q, n_s)``; ``predict_batch_jit``
    is its compiled form.

    >>> cfg = NetworkConfig(n_m=2, n_s=3, hidden=(4,))
    >>> predict_batch_jit(cfg, init_params(cfg, jax.random.key(0)), jnp.zeros((5, 2))).shape
    (5, 3)
    """
    return jax.vmap(forward, (None, None, 0))(cfg, theta, m)


predict_batch_jit = jax.jit(predict_batch, static_argnums=0)
