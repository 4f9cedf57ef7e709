"""A small network forward model trained online with replay; its inverse uses its gradient."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import check_widths, is_int, is_real
from sensorimotor.base.non_negative import first_negative
from sensorimotor.learners import network_core as core
from sensorimotor.learners import network_inverse as inverse
from sensorimotor.learners.bias_neighbours import CHOICES, BiasChoice
from sensorimotor.learners.bias_schedule import BiasSchedule
from sensorimotor.learners.learner import Learner
from sensorimotor.nets.mlp import ACTIVATIONS
from sensorimotor.nets.replay_buffer import ReplayBuffer

_CHUNK = 256  # rows per compiled update_many / predict call (padded): one compile serves all
_INFER_CHUNK = 32  # goals per compiled infer call for batches; a single goal has its own
# Scaled values beyond this are refused in float32 (the base's 1e100 is for float64): beyond
# ~3e38 they become inf (in the replay memory too, and the saved file does not load), and a
# minibatch's squared errors (128 rows x channels) overflow from ~1e17 on
_MAX_SCALED_FLOAT32 = 1e16


def _chunked(fn, x: np.ndarray, chunk: int, dtype) -> np.ndarray:
    """``fn`` on ``x`` (N, d) in padded chunks of ``chunk`` rows, so shapes never vary."""
    out = []
    for start in range(0, x.shape[0], chunk):
        part = x[start : start + chunk]
        padded = np.zeros((chunk, x.shape[1]), dtype)
        padded[: part.shape[0]] = part
        out.append(np.asarray(fn(padded), dtype=np.float64)[: part.shape[0]])
    return np.concatenate(out)


class NetworkLearner(Learner):
    """A multilayer perceptron forward model, trained one observation at a time with replay.

    Forward model: an MLP ``f`` (the library's one MLP, :mod:`sensorimotor.nets.mlp`:
    ``cfg['hidden']`` layers of ``cfg['activation']`` units, inputs and outputs scaled to
    ``[0, 1]`` by the channels' bounds; see ``network_core.forward``; give channels bounds:
    an unbounded channel enters unscaled, which suits values of order 1 only). Each
    ``update`` stores the observation in a replay buffer (:mod:`sensorimotor.nets.replay_buffer`)
    and takes one Adam step (Kingma & Ba 2015) on the minibatch made of the new observation
    and ``batch_size - 1`` observations drawn uniformly from the buffer::

        theta <- Adam(theta, grad_theta mean_i |f(m_i) - s_i|^2)

    the experience replay of Lin (1992), "Self-improving reactive agents based on
    reinforcement learning, planning and teaching", with one step per observation. The
    replay buffer has a fixed number of rows, ``capacity``: once full, each new observation
    replaces a random row with probability ``capacity / t`` after ``t`` observations (``replay
    = 'reservoir'``, Vitter 1985: the buffer stays a uniform sample of everything observed,
    old regions of the body's space are not forgotten) or the oldest row (``'ring'``: for a
    body that changes). The learner's own memory (``self.memory``, the neighbour queries
    below) still keeps every observation; only the training sample is bounded. So the step
    compiles once, whatever the number of observations (fixed shapes; the minibatch is drawn
    by index), and costs a fraction of a millisecond: no step of a long run stalls on a
    recompilation. Guard: a step that would make the parameters non-finite is skipped (the
    observation is kept). In float32 (the default ``dtype``), a value more than 1e16 channel
    widths outside its bounds is refused (``SignalError`` naming the channel; the learners
    in float64 refuse beyond 1e100): it would overflow the replay memory and the loss.

    Inverse model: from each of the ``restarts`` observations nearest to the goal ``g`` in
    sensory space, ``(m_j, s_j)``, a projected Levenberg-Marquardt descent with the
    network's exact Jacobian solves ``f(m) + b_j = g`` within the motor bounds, where
    ``b_j = s_j - f(m_j)`` corrects the model's local bias with the observation (a learned
    model is only as good as its local bias, which the nearest observations correct). The
    damped minimum-norm steps keep ``m`` near ``m_j``, where the correction holds; the
    candidate minimising ``|f(m) + b_j - g|^2 + distance_weight |m - m_j|^2`` is returned.
    See ``network_inverse.solve``. This is the "forward model + optimisation" inverse of
    Jordan & Rumelhart (1992), "Forward models: supervised learning with a distal teacher",
    done by Gauss-Newton on the command instead of training an inverse network. With noisy
    sensors, one observation's bias carries its noise into the answer: ``bias_neighbours=k``
    averages the bias over the ``k`` observations nearest to ``m_j`` in motor space; without
    noise, the start's own (``k = 1``) is exact and any averaging blurs it. The default,
    ``bias_neighbours='auto'``, chooses ``k`` among 1, 2, 4, ..., 32 from the data
    (``bias_neighbours.choose_bias_neighbours``): the sensor noise is the nugget of the
    residuals' variogram (their semivariance between motor neighbours extrapolated to
    distance 0) less a floor for the network's own point-to-point error, and the ``k`` of
    least expected error of the correction is kept (sensor noise below about 1% of a
    channel's range is left uncorrected, as with ``k = 1``); it chooses at 64, 128, ...
    observations, then every 4096, from 64 sampled observations, 8 of them per update so
    that no single update stalls (about 0.5 ms each). On the 7-joint arm after 3000
    goal-babbling steps with sensor noise of standard deviation 0.02 (mean of 3 seeds, 500 uniformly spread goals): reach error
    0.0243 with k = 1, 0.0105 with 'auto' (which chose 8-32); without noise it chooses 1
    and reaches 0.00120 (k = 1: 0.00130), and ``bench/arm7.py`` is unchanged (reach
    0.00027). ``bench/network_noise.py``, BENCHMARKS.md.

    ``predict`` corrects the network's local bias the same way, from the
    ``k = predict_neighbours`` observations nearest to ``m`` in motor space, weighted by
    inverse squared distance ``w_j = 1 / |m - m_j|^2``::

        predict(m) = f(m) + sum_j w_j (s_j - f(m_j)) / sum_j w_j

    (an observed command gets its observation back; ``predict_neighbours=0`` gives the plain
    ``f(m)``). On the 7-joint arm this nearly halves the forward error (0.0061 -> 0.0034,
    see BENCHMARKS.md). With noisy observations, the correction carries their noise, averaged
    over ``k``.

    Config (``defcfg``, beyond the base ``Learner``'s): ``hidden`` (64, 64), ``activation``
    'gelu', ``batch_size`` 128, ``learning_rate`` 3e-3, ``restarts`` 2, ``iterations`` 8,
    ``damping`` 1e-4, ``distance_weight`` 0.01, ``bias_neighbours`` 'auto' (or a
    positive int: see above), ``capacity`` 16384 (rows of the replay buffer), ``replay``
    'reservoir' (or 'ring'), ``predict_neighbours`` 8, ``dtype`` 'float32' ('float64' needs
    JAX's x64 mode, which the library never switches on). ``seed`` fixes the initial weights
    (LeCun normal, drawn by NumPy so that making a learner compiles nothing) and the
    minibatch and reservoir draws (a JAX key): same seed and observations, same answers.
    The inverse's starts and bias neighbours come from the learner's exact neighbour index,
    so the inverse compiles once too. JAX does not survive a fork: in a process forked after
    JAX ran, the learner's compiled calls can hang (JAX warns at the fork); give it to worker
    processes started with ``spawn`` (it pickles).

    Measured on the issue's 7-joint arm benchmark (``bench/arm7_network.py``, 5000 updates):
    forward error 0.0034, reach error 0.00026 (units of the arm's length), 0.15-0.25 ms per
    update once compiled, 0.4 ms per ``infer`` call.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> arm = KinematicArm2D({'dim': 2, 'lengths': 0.5, 'limits': (-90, 90)})
    >>> learner = NetworkLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels,
    ...                           'hidden': (32, 32)})
    >>> m = arm.m_set.random(np.random.default_rng(0), 2000)
    >>> learner.update_array(m, arm.execute_array(m))
    >>> goal = {'x': 0.7, 'y': 0.3}
    >>> reached = arm.execute(learner.infer(goal))['s_signal']
    >>> bool(math.dist(reached.values(), goal.values()) < 0.01), len(learner)
    (True, 2000)
    """

    defcfg = {
        **Learner.defcfg,
        "hidden": (64, 64),
        "activation": "gelu",
        "batch_size": 128,
        "learning_rate": 3e-3,
        "restarts": 2,
        "iterations": 8,
        "damping": 1e-4,
        "distance_weight": 0.01,
        "bias_neighbours": "auto",
        "capacity": 16384,
        "replay": "reservoir",
        "predict_neighbours": 8,
        "dtype": "float32",
    }

    # -- setup ------------------------------------------------------------------------------
    def _setup(self) -> None:
        c = self.cfg
        name = type(self).__name__

        def positive_int(key):
            v = c[key]
            if not is_int(v) or v < 1:
                raise ValueError(f"{name}: cfg[{key!r}] must be a positive int, got {v!r}")
            return int(v)

        def non_negative(key, positive=False):
            v = c[key]
            ok = is_real(v) and math.isfinite(v)  # NumPy scalars too; not an int beyond float64
            if not ok or v < 0 or (positive and v == 0):
                kind = "> 0" if positive else ">= 0"
                raise ValueError(f"{name}: cfg[{key!r}] must be a number {kind}, got {v!r}")
            return float(v)

        if c.seed >= 2**63:  # the base takes any int; the JAX key of the minibatch draws not
            raise ValueError(f"{name}: cfg['seed'] must be below 2**63, got {c.seed!r}")
        iterations = positive_int("iterations")
        if iterations >= 2**31:  # the inverse's loop counter is a JAX int32: it overflowed there
            raise ValueError(f"{name}: cfg['iterations'] must be below 2**31, got {iterations!r}")
        hidden = check_widths(f"{name}: cfg['hidden']", c.hidden)
        # strings: an array equal to one passes `in` and later breaks the jit's static hash
        if not isinstance(c.activation, str) or c.activation not in ACTIVATIONS:
            raise ValueError(
                f"{name}: cfg['activation'] must be one of {sorted(ACTIVATIONS)}, "
                f"got {c.activation!r}"
            )
        if not isinstance(c.dtype, str) or c.dtype not in ("float32", "float64"):
            raise ValueError(
                f"{name}: cfg['dtype'] must be 'float32' or 'float64', got {c.dtype!r}"
            )
        if c.dtype == "float64" and not jax.config.jax_enable_x64:
            raise ValueError(f"{name}: cfg['dtype'] = 'float64' needs JAX's x64 mode enabled")
        k = c.predict_neighbours
        if not is_int(k) or k < 0:
            raise ValueError(f"{name}: cfg['predict_neighbours'] must be an int >= 0, got {k!r}")
        auto_bias = isinstance(c.bias_neighbours, str) and c.bias_neighbours == "auto"
        if not auto_bias and not (is_int(c.bias_neighbours) and c.bias_neighbours >= 1):
            raise ValueError(
                f"{name}: cfg['bias_neighbours'] must be 'auto' or a positive int, "
                f"got {c.bias_neighbours!r}"
            )
        self.net_cfg = core.NetworkConfig(
            n_m=len(self.m_set),
            n_s=len(self.s_set),
            hidden=hidden,
            activation=c.activation,
            batch_size=positive_int("batch_size"),
            learning_rate=non_negative("learning_rate", positive=True),
            restarts=positive_int("restarts"),
            iterations=iterations,
            damping=non_negative("damping"),
            distance_weight=non_negative("distance_weight"),
            bias_neighbours=max(CHOICES) if auto_bias else positive_int("bias_neighbours"),
            dtype=c.dtype,
            replay=c.replay,
        )
        # The step and the forward pass do not read the inverse's settings: compile them under
        # a configuration with those at their defaults, shared by learners that differ only there.
        inverse_defaults = {
            k: core.NetworkConfig._field_defaults[k]
            for k in ("restarts", "iterations", "damping", "distance_weight", "bias_neighbours")
        }
        self._train_cfg = self.net_cfg._replace(**inverse_defaults)
        if not (isinstance(c.replay, str) and c.replay in ("reservoir", "ring")):
            raise ValueError(
                f"{name}: cfg['replay'] must be 'reservoir' or 'ring', got {c.replay!r}"
            )
        self._capacity = positive_int("capacity")
        self._dtype = np.dtype(c.dtype)
        if self._dtype == np.float32:
            self.max_scaled = _MAX_SCALED_FLOAT32
        bounded = self.m_set.bounded
        self._lo = jnp.asarray(np.where(bounded, 0.0, -np.inf), dtype=self._dtype)
        self._hi = jnp.asarray(np.where(bounded, 1.0, np.inf), dtype=self._dtype)
        # weights from NumPy (compiles nothing), minibatch draws from a JAX key, both from seed
        seed = int(c.seed)
        theta = core.init_params(self.net_cfg, np.random.default_rng(seed))
        key = jax.random.key_data(jax.random.key(seed))
        self.net_state = core.make_state(self.net_cfg, theta, key, self._capacity)
        # bias neighbours in use (of the compiled net_cfg.bias_neighbours), and with 'auto'
        # the choice of them, spread over the updates
        self.bias_schedule = BiasSchedule(seed, auto_bias, self.net_cfg.bias_neighbours)

    @property
    def bias_choice(self) -> BiasChoice | None:
        """The last choice of the inverse's bias neighbours (``bias_neighbours='auto'``),
        None before the first."""
        return self.bias_schedule.choice

    # -- compilation ------------------------------------------------------------------------
    def warmup(self, batches: bool = True) -> None:
        """Compile the update step and the queries now.

        Otherwise each compiles on its first use (about a second each on a 2-core machine):
        the first ``update``, the first single ``infer``, and, with ``batches``, the batch
        paths (``update_array``, ``infer_array`` of several goals). A robot loop calls this
        at start-up so that no step stalls later. The learner is unchanged (the compiled
        functions run on a copy of its state). The shapes never change after (the replay
        buffer has a fixed capacity), so nothing compiles again. JAX's persistent
        compilation cache (a user setting: ``jax.config.update('jax_compilation_cache_dir',
        path)``; the library does not set it) lets later processes skip the compilation:
        measured 3.9 s -> 0.7 s for construction plus ``warmup()`` on the 7-joint arm.

        >>> from sensorimotor import Channel
        >>> learner = NetworkLearner({'m_channels': [Channel('u', (0, 1))],
        ...                           's_channels': [Channel('v', (0, 1))], 'hidden': (8,)})
        >>> learner.warmup(batches=False)
        >>> len(learner)
        0
        """
        cfg, dt = self._train_cfg, self._dtype
        copy = jax.tree.map(jnp.copy, self.net_state)
        m, s = np.zeros(cfg.n_m, dt), np.zeros(cfg.n_s, dt)
        copy = core.update_donated(cfg, copy, m, s)
        goals = [1, _INFER_CHUNK] if batches else [1]
        r, k, width = self.net_cfg.restarts, self.net_cfg.bias_neighbours, cfg.n_m + cfg.n_s
        for n in goals:
            inverse.infer_batch_jit(
                self.net_cfg,
                copy.theta,
                np.zeros((n, r, width), dt),
                np.zeros((n, r, k, width), dt),
                np.ones((n, r, k), dt),
                np.zeros((n, cfg.n_s), dt),
                self._lo,
                self._hi,
            )
        core.predict_batch_jit(cfg, copy.theta, np.zeros((_CHUNK, cfg.n_m), dt))
        if batches:
            valid = np.zeros(_CHUNK, bool)
            m_pad, s_pad = np.zeros((_CHUNK, cfg.n_m), dt), np.zeros((_CHUNK, cfg.n_s), dt)
            copy = core.update_many_donated(cfg, copy, m_pad, s_pad, valid)
        jax.block_until_ready(copy)

    # -- learning ---------------------------------------------------------------------------
    def _learn(self, m: np.ndarray, s: np.ndarray) -> None:
        cfg, dt = self._train_cfg, self._dtype
        n = m.shape[0]
        state = self.net_state
        if n == 1:
            state = core.update_donated(cfg, state, m[0].astype(dt), s[0].astype(dt))
        else:
            # each compiled chunk donates the state it is given: several chunks work on a
            # copy (0.25 ms), so that an interruption between them (Ctrl-C in a long batch)
            # leaves the learner's own state whole (and ``_add`` forgets the batch's rows)
            if n > _CHUNK:
                state = jax.tree.map(jnp.copy, state)
            for start in range(0, n, _CHUNK):
                mc, sc = m[start : start + _CHUNK], s[start : start + _CHUNK]
                k = mc.shape[0]
                valid = np.arange(_CHUNK) < k
                mp = np.zeros((_CHUNK, cfg.n_m), dt)
                sp = np.zeros((_CHUNK, cfg.n_s), dt)
                mp[:k], sp[:k] = mc, sc
                state = core.update_many_donated(cfg, state, mp, sp, valid)
        self.net_state = state
        self.bias_schedule.after_update(self.memory, self._forward, single=n == 1)

    # -- queries ----------------------------------------------------------------------------
    def _forward(self, m: np.ndarray) -> np.ndarray:
        theta = self.net_state.theta
        return _chunked(
            lambda x: core.predict_batch_jit(self._train_cfg, theta, x), m, _CHUNK, self._dtype
        )

    def _predict(self, m: np.ndarray) -> np.ndarray:
        s = self._forward(m)
        k = min(self.cfg.predict_neighbours, len(self.memory))
        if k == 0:
            return s
        d2, idx = self.memory.nearest("m", m, k, check=False)
        bias = self.memory.s[idx] - self._forward(self.memory.m[idx.ravel()]).reshape(
            *idx.shape, -1
        )
        w = 1.0 / np.maximum(d2, 1e-300)
        s = s + np.einsum("qk,qkd->qd", w, bias) / w.sum(axis=1, keepdims=True)
        exact = d2[:, 0] == 0.0  # an observed command: its own observation answers
        s[exact] = self.memory.s[idx[exact, 0]]
        return s

    def _starts(self, s: np.ndarray):
        """The inverse's starts and bias neighbours for goals ``s`` (Q, n_s), from the memory's
        exact index: ``(starts (Q, R, D), neighbours (Q, R, k, D), weights (Q, R, k))``."""
        cfg, mem = self.net_cfg, self.memory
        _, near = mem.nearest("s", s, cfg.restarts, check=False)
        if near.shape[1] < cfg.restarts:  # fewer stored: the nearest repeats
            fill = np.repeat(near[:, :1], cfg.restarts - near.shape[1], axis=1)
            near = np.concatenate([near, fill], axis=1)
        m0 = mem.m[near]
        starts = np.concatenate([m0, mem.s[near]], axis=-1)
        width, k = cfg.bias_neighbours, self.bias_schedule.k
        size = near.shape + (width,)
        if width == 1:  # the start's own bias: neighbours are not read
            return starts, starts[:, :, None], np.ones(size)
        if k == 1:  # chosen so ('auto'): the start's own, as the first of the compiled width
            weights = np.zeros(size)
            weights[..., 0] = 1.0
            return starts, np.repeat(starts[:, :, None], width, axis=2), weights
        _, nb = mem.nearest("m", m0.reshape(-1, cfg.n_m), k, check=False)
        weights = np.zeros((nb.shape[0], width))
        weights[:, : nb.shape[1]] = 1.0
        if nb.shape[1] < width:  # fewer stored or fewer chosen: padding rows, weight 0
            nb = np.concatenate([nb, np.zeros((nb.shape[0], width - nb.shape[1]), nb.dtype)], 1)
        neighbours = np.concatenate([mem.m[nb], mem.s[nb]], axis=-1)
        q = s.shape[0]
        return starts, neighbours.reshape(q, cfg.restarts, width, -1), weights.reshape(size)

    def _infer(self, s: np.ndarray) -> np.ndarray:
        theta, dt = self.net_state.theta, self._dtype
        arrays = (*self._starts(s), s)
        chunk = 1 if s.shape[0] == 1 else _INFER_CHUNK
        out = []
        for start in range(0, s.shape[0], chunk):
            part = [a[start : start + chunk] for a in arrays]
            count = part[0].shape[0]
            if count < chunk:  # pad to the compiled chunk by repeating the last row
                pad = [(0, chunk - count)]
                part = [np.pad(a, pad + [(0, 0)] * (a.ndim - 1), mode="edge") for a in part]
            m = inverse.infer_batch_jit(
                self.net_cfg, theta, *(a.astype(dt) for a in part), self._lo, self._hi
            )
            out.append(np.asarray(m, dtype=np.float64)[:count])
        return np.concatenate(out)

    # -- persistence ------------------------------------------------------------------------
    def _state_arrays(self) -> dict:
        st = self.net_state
        count = int(st.replay.count)
        out = {
            "theta": np.asarray(st.theta),
            "key": np.asarray(st.key),
            # the reservoir is a random subset of the memory: saved, not rebuilt
            "replay": np.asarray(st.replay.data)[:count],
            "replay_counters": np.array([int(st.replay.position), int(st.seen)], np.int64),
            **self.bias_schedule.arrays(),
        }
        for i, leaf in enumerate(jax.tree.leaves(st.opt_state)):
            out[f"opt_{i}"] = np.asarray(leaf)
        return out

    def _set_state_arrays(self, arrays: dict) -> None:
        cfg, name = self.net_cfg, type(self).__name__
        fresh = self.net_state
        leaves, treedef = jax.tree.flatten(fresh.opt_state)
        try:
            theta = arrays["theta"]
            opt = [arrays[f"opt_{i}"] for i in range(len(leaves))]
            key = arrays["key"]
        except KeyError as err:
            raise ValueError(f"{name}: saved state lacks {err}") from None
        if theta.shape != fresh.theta.shape:
            raise ValueError(
                f"{name}: saved parameters have shape {theta.shape}, "
                f"the configured network needs {fresh.theta.shape}"
            )
        for saved, leaf in zip([*opt, key], [*leaves, fresh.key], strict=True):
            if saved.shape != leaf.shape:
                raise ValueError(f"{name}: saved optimiser state or key does not fit")
        # values too: NaN parameters answer NaN, and a non-finite Adam state, a negative
        # step count or second moment make every later step non-finite (the guard then
        # skips them all): a learner that loads but never learns again
        if theta.dtype.kind != "f" or not np.all(np.isfinite(theta)):
            raise ValueError(f"{name}: saved parameters theta are not finite floats")
        for saved, leaf in zip(opt, leaves, strict=True):
            if np.dtype(leaf.dtype).kind == "f":
                ok = saved.dtype.kind == "f" and np.all(np.isfinite(saved))
            else:  # Adam's step count
                top = np.iinfo(leaf.dtype).max
                ok = saved.dtype.kind in "iu" and np.all((saved >= 0) & (saved <= top))
            if not ok:
                raise ValueError(f"{name}: saved optimiser state is not valid Adam state")
        if first_negative(fresh.opt_state, opt) is not None:  # Adam's second moment
            raise ValueError(f"{name}: saved optimiser state is not valid Adam state")
        if key.dtype.kind not in "iu" or np.any((key < 0) | (key > np.iinfo(np.uint32).max)):
            raise ValueError(f"{name}: saved key is not raw uint32 key data")
        capacity, width, n = self._capacity, cfg.n_m + cfg.n_s, len(self.memory)
        memory = np.zeros((capacity, width), self._dtype)
        if "replay" in arrays:
            rows, counters = arrays["replay"], arrays.get("replay_counters")
            ok = (
                rows.ndim == 2
                and rows.shape[1] == width
                and rows.shape[0] <= capacity
                and rows.dtype.kind == "f"
                and np.all(np.isfinite(rows))
                and counters is not None
                and counters.shape == (2,)
                and counters.dtype.kind in "iu"
                and 0 <= counters[0] < capacity
                and rows.shape[0] <= counters[1] <= np.iinfo(np.int32).max
                # until full, every offer is stored at the next row (ring and reservoir)
                and (rows.shape[0] == capacity or counters[0] == counters[1] == rows.shape[0])
            )
            if not ok:
                raise ValueError(f"{name}: saved replay memory does not fit the configuration")
            count, position, seen = rows.shape[0], int(counters[0]), int(counters[1])
            memory[:count] = rows
        else:  # a file from before the fixed-capacity memory: its last rows, as a ring
            count = min(n, capacity)
            slots = np.arange(n - count, n) % capacity
            memory[slots, : cfg.n_m] = self.memory.m[n - count :]
            memory[slots, cfg.n_m :] = self.memory.s[n - count :]
            position, seen = n % capacity, n
        try:
            self.bias_schedule.set_arrays(arrays, n, cfg.n_s)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
        self.net_state = core.NetworkState(
            theta=jnp.asarray(theta, fresh.theta.dtype),
            opt_state=jax.tree.unflatten(
                treedef, [jnp.asarray(a, leaf.dtype) for a, leaf in zip(opt, leaves, strict=True)]
            ),
            replay=ReplayBuffer(jnp.asarray(memory), jnp.int32(position), jnp.int32(count)),
            key=jnp.asarray(key, fresh.key.dtype),
            seen=jnp.int32(seen),
        )
