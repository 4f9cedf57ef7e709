r"""Behavioural cloning: a policy fitted to demonstrations by supervised learning (Pomerleau
1989, "ALVINN"; the imitation library's ``BC``), in Stable-Baselines3's shape.

With the policy MLP :math:`f_\theta` of :mod:`~sensorimotor.agents.policy_agent` and
demonstrations :math:`(s_i, a_i)`, Adam minimises on uniform minibatches

* discrete actions, the cross-entropy
  :math:`L = -\langle \log\operatorname{softmax}(f_\theta(s_i))_{a_i}\rangle`;
* continuous actions, the squared error of the squashed output
  :math:`L = \langle \lVert \operatorname{squash}(f_\theta(s_i)) - a_i\rVert^2\rangle`
  (``squash="tanh"``: the output is always inside the action box).

The greedy action is the argmax of the logits, or the squashed output. Batches are drawn
by index (one NumPy ``Generator`` from ``seed``) from the data padded to a power of two,
``CHUNK`` gradient steps per jitted ``lax.scan``, so a growing data set (DAgger) compiles
rarely.

Where this departs from the lesson and the imitation library:

* The continuous loss is the lesson's (squared error of a tanh-bounded output), summed
  over the action's dimensions: the lesson's ``nn.MSELoss`` averages over them too (a
  factor ``n`` in the gradient, which Adam mostly undoes but the gradient clip does not);
  the imitation library's BC instead maximises the Gaussian policy's log-likelihood of
  the expert's action and adds an entropy bonus (weight 1e-3, also on discrete actions,
  where our loss is the plain cross-entropy).
* With ``squash="clip"`` an output beyond the box has no gradient (the clip is flat
  there): a sample whose output overshoots stops teaching. ``"tanh"`` always has one (the
  imitation library's log-likelihood of the unclipped mean would too).
* Minibatches are drawn with replacement, ``gradient_steps`` of them; the imitation
  library shuffles the data into epochs without replacement (``drop_last``), the lesson
  takes the whole data set at every step.

>>> from sensorimotor.agents.imitation.demonstrations import collect_demonstrations
>>> class Right:  # an expert that always pushes right
...     def predict(self, obs, deterministic=True):
...         return 1, None
>>> demos, _ = collect_demonstrations(Right(), "CartPole-v1", 3)
>>> agent = BehavioralCloning("CartPole-v1", seed=0, learning_rate=1e-2, net_arch=[8])
>>> stats = agent.learn(demos)
>>> print(agent.predict(np.zeros(4))[0], stats.losses[-1] < 0.01 < stats.losses[0])
1 True
"""

from __future__ import annotations

import dataclasses
import functools
import time

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents.agent import tree_arrays, tree_from_arrays
from sensorimotor.agents.dqn.dqn_update import make_optimizer
from sensorimotor.agents.imitation.demonstrations import Demonstrations, as_demonstrations
from sensorimotor.agents.policy_agent import (
    PolicyAgent,
    check_config,
    config_from_kwargs,
    policy_out,
    squash,
)
from sensorimotor.agents.training_stats import Progress, TrainingStats
from sensorimotor.base.bounds import COUNT, FINITE, POSITIVE, check_count

__all__ = ["BCConfig", "BehavioralCloning", "bc_loss"]

CHUNK = 100  # gradient steps per compiled call
MIN_CAPACITY = 256


@dataclasses.dataclass(frozen=True)
class BCConfig:
    """Behavioural cloning's hyperparameters.

    Attributes:
        learning_rate: Adam's step size.
        batch_size: demonstrations per gradient step (drawn uniformly).
        gradient_steps: gradient steps per ``learn`` call.
        max_grad_norm: the gradient's global norm is clipped to this.
        net_arch: hidden layer widths of the policy (tanh).
        squash: continuous actions only: ``"tanh"`` or ``"clip"`` into the box.
        log_std_init: kept for the policy's shape (a cloned policy acts greedily).

    >>> BCConfig(batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: BCConfig.batch_size must be an int in [1, inf), got 0
    """

    learning_rate: float = 1e-3
    batch_size: int = 64
    gradient_steps: int = 2000
    max_grad_norm: float = 10.0
    net_arch: tuple = (64, 64)
    squash: str = "tanh"
    log_std_init: float = 0.0

    BOUNDS = {
        "learning_rate": POSITIVE,
        "batch_size": COUNT,
        "gradient_steps": COUNT,
        "max_grad_norm": POSITIVE,
        "log_std_init": FINITE,
    }

    def __post_init__(self):
        check_config(self, type(self).__name__)

    @classmethod
    def from_kwargs(cls, owner: str, hyperparameters: dict):
        return config_from_kwargs(cls, owner, hyperparameters)


def bc_loss(params, obs, actions, low, high, config, discrete: bool):
    r"""The module's :math:`L` on a batch ``obs (b, ...)``, ``actions (b,)`` or ``(b, n)``.

    A policy that starts uniform (zero observations, zero biases) costs :math:`\log 3` on
    3 actions; a box ``[-1, 1]^2`` starts at its middle, 0, so actions 0.5 cost
    :math:`2 \cdot 0.5^2`:

    >>> from sensorimotor.agents.policy_agent import init_policy
    >>> obs = jnp.zeros((4, 2))
    >>> discrete = init_policy(jax.random.key(0), 2, (8,), 3)
    >>> print(round(float(bc_loss(discrete, obs, jnp.array([0, 1, 2, 0]), None, None, BCConfig(),
    ...                           True)), 4))
    1.0986
    >>> box = init_policy(jax.random.key(0), 2, (8,), 2)
    >>> print(float(bc_loss(box, obs, jnp.full((4, 2), 0.5), -jnp.ones(2), jnp.ones(2), BCConfig(),
    ...                     False)))
    0.5
    """
    out = jax.vmap(policy_out, (None, 0))(params, obs)
    if discrete:
        logp = jax.nn.log_softmax(out)
        return -jnp.take_along_axis(logp, actions[:, None], axis=1).mean()
    err = squash(out, low, high, config.squash) - actions
    return (err * err).sum(axis=1).mean()


@functools.lru_cache(maxsize=32)
def jitted_chunk(config, discrete: bool):
    """``chunk(params, opt_state, obs, actions, low, high, index) -> (params, opt_state,
    losses)``: one Adam step per row of ``index (k, batch_size)``, one ``lax.scan``."""
    opt = make_optimizer(config.learning_rate, config.max_grad_norm)

    @jax.jit
    def chunk(params, opt_state, obs, actions, low, high, index):
        def step(carry, idx):
            params, opt_state = carry
            loss, grads = jax.value_and_grad(bc_loss)(
                params, obs[idx], actions[idx], low, high, config, discrete
            )
            updates, opt_state = opt.update(grads, opt_state, params)
            params = jax.tree_util.tree_map(lambda p, u: p + u, params, updates)
            return (params, opt_state), loss

        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), index)
        return params, opt_state, losses

    return chunk


class BehavioralCloning(PolicyAgent):
    """A policy cloned from demonstrations (see the module).

    ``BehavioralCloning(env, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium env or
    id (for its spaces; cloning never steps it); the hyperparameters are
    :class:`BCConfig`'s. ``learn(demonstrations)`` fits the policy; it may be called again
    (training goes on, on the new data).

    Attributes (besides :class:`~sensorimotor.agents.policy_agent.PolicyAgent`'s):
        opt_state: the optimiser's state.
        n_updates: gradient steps taken.

    >>> from sensorimotor.agents import collect_demonstrations
    >>> class Balance:  # a scripted expert: push the way the pole falls
    ...     def predict(self, obs, deterministic=True):
    ...         return int(obs[2] + obs[3] > 0), None
    >>> demos, returns = collect_demonstrations(Balance(), "CartPole-v1", n_episodes=2)
    >>> clone = BehavioralCloning("CartPole-v1", seed=0, learning_rate=1e-2, net_arch=[16])
    >>> stats = clone.learn(demos, gradient_steps=300)  # or (observations, actions) arrays
    >>> agree = (clone.predict(demos.observations)[0] == demos.actions).mean()
    >>> print(clone.n_updates, len(stats.losses), agree > 0.8)  # one loss per 100 steps
    300 3 True
    """

    CONFIG = BCConfig

    def _setup(self) -> None:
        self._setup_policy(jax.random.key(self.seed))
        c = self.config
        self.opt_state = make_optimizer(c.learning_rate, c.max_grad_norm).init(self.params)
        self._rng = np.random.default_rng(self.seed)
        self.n_updates = 0

    def check_demonstrations(self, demonstrations, name="demonstrations") -> Demonstrations:
        """``demonstrations`` (see :func:`~sensorimotor.agents.imitation.demonstrations.
        as_demonstrations`) checked against the agent's spaces: float32 observations,
        int32 or float32 actions; an error naming what is wrong otherwise."""
        demos = as_demonstrations(demonstrations, name)
        obs = np.asarray(self.check_obs(demos.observations, f"{name}.observations")[0])
        if obs.shape[0] != len(demos.observations):  # one observation given for a batch
            raise ValueError(f"{name}.observations must be a batch (n, *observation_shape)")
        actions = self.check_actions(demos.actions, len(obs), f"{name}.actions")
        return Demonstrations(obs, actions)

    def learn(
        self, demonstrations, gradient_steps: int | None = None, progress_bar: bool = False
    ) -> TrainingStats:
        """Fit the policy to ``demonstrations`` for ``gradient_steps`` Adam steps (the
        config's by default). ``TrainingStats.losses`` holds each compiled chunk's mean
        loss; no episode is played. Bad demonstrations (NaN, wrong shape, actions outside
        the space) raise naming them, before any change to the agent."""
        demos = self.check_demonstrations(demonstrations)
        steps = (
            self.config.gradient_steps
            if gradient_steps is None
            else check_count("gradient_steps", gradient_steps)
        )
        return self._fit(demos, steps, progress_bar)

    def _fit(self, demos: Demonstrations, steps: int, progress_bar: bool) -> TrainingStats:
        c = self.config
        start = time.perf_counter()
        n = len(demos)
        capacity = max(MIN_CAPACITY, 1 << (n - 1).bit_length())
        obs = np.zeros((capacity, *demos.observations.shape[1:]), np.float32)
        actions = np.zeros((capacity, *demos.actions.shape[1:]), demos.actions.dtype)
        obs[:n], actions[:n] = demos.observations, demos.actions
        low, high = (np.asarray(v, np.float32) for v in self._low_high())
        chunk = jitted_chunk(c, self.action_space.discrete)
        losses, done = [], 0
        bar = Progress(steps, type(self).__name__, progress_bar, shows="loss")
        while done < steps:
            k = min(CHUNK, steps - done)
            index = self._rng.integers(0, n, (k, c.batch_size)).astype(np.int32)
            self.params, self.opt_state, chunk_losses = chunk(
                self.params, self.opt_state, obs, actions, low, high, index
            )
            losses.append(float(jnp.mean(chunk_losses)))
            done += k
            bar.update(done, losses[-1])
        self.n_updates += steps
        self._sync()
        return TrainingStats(
            np.zeros(0),
            np.zeros(0, np.int64),
            np.asarray(losses),
            self.num_timesteps,
            time.perf_counter() - start,
        )

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        arrays = {**tree_arrays("policy", self.params), **tree_arrays("opt", self.opt_state)}
        return arrays, self._policy_fields()

    def _restore(self, path, arrays, header) -> None:
        self._restore_action_space(path, header)
        rng, n_updates = self._read_learning_state(path, header)
        self.params = tree_from_arrays(path, arrays, "policy", self.params, jnp.asarray)
        self.opt_state = tree_from_arrays(path, arrays, "opt", self.opt_state, jnp.asarray)
        self._sync()
        self._rng, self.n_updates = rng, n_updates
