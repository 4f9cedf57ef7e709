r"""StreamAC: Stream AC(:math:`\lambda`) of Elsayed, Vasan & Mahmood (2024), "Streaming
Deep Reinforcement Learning Finally Works" (arXiv:2410.14606), in Stable-Baselines3's
shape, on any Gymnasium environment with a ``Discrete`` (categorical policy) or a 1-D
``Box`` (Gaussian policy) action space; compiled on a JAX environment with
:meth:`StreamAC.make_train`.

One update per environment step and no buffer: the actor and the critic, each with its own
eligibility trace and ObGD (:mod:`~sensorimotor.agents.stream.stream_ac_update`). The Python loop
makes one jitted call per step (the update and the policy's outputs for the next
observation) and samples actions with a NumPy ``Generator``; everything comes from
``seed``. ``predict(obs, deterministic=True)`` gives the policy's mode (the Gaussian's mean
clipped to the action bounds, or the most probable action).

>>> agent = StreamAC("sensorimotor/ToyHumanoid-v0", seed=0)
>>> stats = agent.learn(200)
>>> action, state = agent.predict(np.zeros(12, np.float32))
>>> print(stats.num_timesteps, len(stats.episode_returns), action.shape, state)
200 2 (6,) None
"""

from __future__ import annotations

import math
from functools import lru_cache, partial

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from sensorimotor.agents.agent import (
    box_observation_shape,
    check_bounds,
    generator_from_state,
    tree_arrays,
    tree_from_arrays,
)
from sensorimotor.agents.stream import stream_ac_compiled
from sensorimotor.agents.stream.stream_ac_compiled import action_kind
from sensorimotor.agents.stream.stream_ac_update import (
    StreamACConfig,
    actor_out,
    init,
    normalised,
    observe,
    update,
)
from sensorimotor.agents.stream.stream_agent import StreamAgent
from sensorimotor.base.bounds import check_flag

__all__ = ["StreamAC"]


# one compiled program for a new learner: drawn op by op, its sparse initialisation
# compiled a program per operation and layer shape (0.4 s more for the first agent)
_init = jax.jit(init, static_argnums=(0, 2, 3, 4))


@lru_cache(maxsize=32)
def flat_steps(config, kind: str, obs_dim: int, n: int):
    """``(unravel, observe_fn, update_fn)`` on the learner state as one float32 vector
    (see :func:`~sensorimotor.agents.stream.stream_q.flat_steps`): ``observe_fn(flat, obs) ->
    (flat, actor outputs)``; ``update_fn(flat, inputs) -> (flat, outputs)`` with ``inputs
    = [reward, terminated, done, *action, *next_obs]`` (``action`` one number, or ``n``)
    and ``outputs = [*actor outputs for the new observation, TD error]``."""
    like = jax.eval_shape(lambda key: init(config, key, obs_dim, n, kind), jax.random.key(0))
    _, unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), like))
    width = 1 if kind == "categorical" else n

    def observe_fn(flat, obs):
        s = observe(config, unravel(flat), obs)
        return ravel_pytree(s)[0], actor_out(s.actor.params, s.obs)

    def update_fn(flat, inputs):
        action = inputs[3 : 3 + width]
        action = action[0].astype(jnp.int32) if kind == "categorical" else action
        s, metrics = update(
            config,
            kind,
            unravel(flat),
            action,
            inputs[0],
            inputs[3 + width :],
            inputs[1] > 0.5,
            inputs[2] > 0.5,
        )
        out = actor_out(s.actor.params, s.obs)
        return ravel_pytree(s)[0], jnp.concatenate([out, metrics.td_error[None]])

    return unravel, jax.jit(observe_fn), jax.jit(update_fn)


@partial(jax.jit, static_argnums=0)
def _actor_outputs(config, state, obs):
    return jax.vmap(actor_out, (None, 0))(state.actor.params, normalised(config, state, obs))


class StreamAC(StreamAgent):
    """Stream AC(:math:`\\lambda`) (see the module).

    ``StreamAC(env, *, seed=0, **hyperparameters)``: the hyperparameters are
    :class:`~sensorimotor.agents.stream.stream_ac_update.StreamACConfig`'s.

    Attributes (besides :class:`~sensorimotor.agents.agent.Agent`'s):
        state: the learner (:class:`~sensorimotor.agents.stream.stream_ac_update.StreamACState`).
        kind: ``"categorical"`` or ``"gaussian"``.
        n_actions: the number of actions (categorical) or of action dimensions.
        action_low, action_high: the Box's bounds (Gaussian), else ``None``.

    On ``Discrete`` actions (a categorical policy):

    >>> from sensorimotor.agents import evaluate
    >>> agent = StreamAC("CartPole-v1", seed=0, net_arch=[16])
    >>> stats = agent.learn(200)
    >>> mean, std = evaluate(agent, "CartPole-v1", n_episodes=2)  # its most probable actions
    >>> action, _ = agent.predict(np.zeros(4))
    >>> print(agent.kind, stats.num_timesteps, int(action) in (0, 1), mean > 0)
    categorical 200 True True
    """

    CONFIG = StreamACConfig
    make_train = staticmethod(stream_ac_compiled.make_train)

    def _spaces(self, env):
        shape = box_observation_shape(env, "StreamAC")
        kind, n = action_kind(env.action_space)
        if kind == "categorical" and env.action_space.start != 0:
            raise ValueError(
                f"StreamAC: the Discrete action space must start at 0, got {env.action_space}"
            )
        self.kind = kind
        if kind == "gaussian":
            self.action_low = np.asarray(env.action_space.low, np.float32)
            self.action_high = np.asarray(env.action_space.high, np.float32)
        else:
            self.action_low = self.action_high = None
        return shape, n

    def action_space_differs(self, space) -> str | None:
        """``None`` when the agent acts in the Gymnasium action space ``space`` (the same
        kind, size and bounds), else the agent's own action space, described.

        >>> import gymnasium as gym
        >>> agent = StreamAC("Pendulum-v1")
        >>> print(agent.action_space_differs(gym.spaces.Box(-2.0, 2.0, (1,))),
        ...       agent.action_space_differs(gym.spaces.Discrete(3)))
        None Box(low=[-2.0], high=[2.0])
        """
        if self.kind == "categorical":
            return super().action_space_differs(space)
        low, high = self.action_low, self.action_high
        if (
            isinstance(space, gym.spaces.Box)
            and space.shape == low.shape
            and np.array_equal(np.asarray(space.low, np.float32), low)
            and np.array_equal(np.asarray(space.high, np.float32), high)
        ):
            return None
        return f"Box(low={low.tolist()}, high={high.tolist()})"

    def _setup(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._open = None  # the open episode: (actor outputs, return so far, length so far)
        if self.env is None:  # loaded without an env: _restore builds from the header
            self.state = None
            return
        self._build()

    def _build(self):
        obs_dim = math.prod(self.observation_shape)
        key = jax.random.key(self.seed)
        self.state = _init(self.config, key, obs_dim, self.n_actions, self.kind)

    # -- acting ----------------------------------------------------------------------
    def _choose(self, out, deterministic: bool, rng):
        """Actions from actor outputs ``out`` ``(n, outputs)``: ``(applied, sampled)``."""
        if self.kind == "categorical":
            if deterministic:
                a = np.argmax(out, axis=-1)
            else:
                p = np.exp(out - out.max(axis=-1, keepdims=True))
                p /= p.sum(axis=-1, keepdims=True)
                a = (p.cumsum(axis=-1) > rng.random(out.shape[:-1])[..., None]).argmax(axis=-1)
            return a, a
        d = self.n_actions
        mean = out[..., :d]
        if deterministic:
            sample = mean
        else:
            std = np.logaddexp(0.0, out[..., d:]) + 1e-6  # softplus, as the update's
            sample = mean + std * rng.standard_normal(mean.shape).astype(np.float32)
        return np.clip(sample, self.action_low, self.action_high), sample

    def predict(self, obs, state=None, episode_start=None, deterministic: bool = True):
        """``(action, None)`` for ``obs`` (one observation or a batch): an int (array) for
        a categorical policy, a float32 array in the action bounds for a Gaussian one."""
        check_flag("deterministic", deterministic)
        batch, single = self.check_obs(obs)
        out = np.asarray(_actor_outputs(self.config, self.state, batch.reshape(len(batch), -1)))
        actions, _ = self._choose(out, deterministic, self._predict_rng)
        if self.kind == "categorical":
            actions = np.asarray(actions, np.int64)
        else:
            actions = np.asarray(actions, np.float32)
        return (actions[0] if single else actions), None

    # -- learning (the loop is StreamAgent.learn) ----------------------------------------
    def _flat_steps(self):
        obs_dim = math.prod(self.observation_shape)
        return flat_steps(self.config, self.kind, obs_dim, self.n_actions)

    def _draw(self, outputs):
        """A sample of the policy: ``(applied action, sampled numbers)``."""
        applied, sample = self._choose(outputs, False, self._rng)
        if self.kind == "categorical":
            return int(applied), (sample,)
        return applied, sample

    def set_state(self, state) -> None:
        """Use a whole learner state (e.g. one seed's ``train(key).state.learner`` from
        :meth:`make_train`); a ``ValueError`` if it does not fit."""
        self.state = tree_from_arrays(
            "state", tree_arrays("s", state), "s", self.state, jnp.asarray
        )

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        fields = {
            "rng_state": self._rng.bit_generator.state,
            "kind": self.kind,
            "action_low": None if self.action_low is None else self.action_low.tolist(),
            "action_high": None if self.action_high is None else self.action_high.tolist(),
        }
        return tree_arrays("state", self.state), fields

    def _restore(self, path, arrays, header) -> None:
        try:
            rng = generator_from_state(header["rng_state"])
            kind = str(header["kind"])
            low, high = header["action_low"], header["action_high"]
            if kind == "gaussian":
                low, high = check_bounds(low, high, self.n_actions, bounded=False)
                low, high = low.astype(np.float32), high.astype(np.float32)
            elif kind != "categorical":
                raise ValueError(f"unknown policy kind {kind!r}")
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ValueError(f"{path}: the header does not describe a StreamAC ({err})") from None
        if self.env is None:
            self.kind = kind
            self.action_low, self.action_high = (low, high) if kind == "gaussian" else (None, None)
            self._build()
        elif kind != self.kind:
            raise ValueError(
                f"env: its action space needs a {self.kind} policy, the saved agent has a {kind} one ({path})"
            )
        elif kind == "gaussian" and not (
            np.array_equal(low, self.action_low) and np.array_equal(high, self.action_high)
        ):
            # the policy was learned in the saved box: refuse another one, as PolicyAgent
            # does, rather than replace the saved bounds by the env's
            raise ValueError(
                f"env: its action bounds {self.action_low.tolist()}, {self.action_high.tolist()} "
                f"differ from the saved agent's {low.tolist()}, {high.tolist()} ({path})"
            )
        self.state = tree_from_arrays(path, arrays, "state", self.state, jnp.asarray)
        self._rng = rng
