r"""StreamQ: Stream Q(:math:`\lambda`) of Elsayed, Vasan & Mahmood (2024), "Streaming Deep
Reinforcement Learning Finally Works" (arXiv:2410.14606), in Stable-Baselines3's shape, on
any Gymnasium environment with discrete actions; compiled end to end on a JAX environment
with :meth:`StreamQ.make_train`.

One update per environment step and no replay buffer: epsilon-greedy on :math:`q(s,
\cdot)`, then the Q(:math:`\lambda`) step of :mod:`~sensorimotor.agents.stream.stream_q_update`
(eligibility trace, ObGD, sparse init, LayerNorm, observation normalisation, reward
scaling), with the paper's single hyperparameter set as defaults
(:class:`~sensorimotor.agents.stream.stream_q_config.StreamQConfig`). The Python loop makes one
jitted call per step (the update and the next observation's action values together) and
draws exploration from a NumPy ``Generator``; everything comes from ``seed``.

>>> agent = StreamQ("CartPole-v1", seed=0)
>>> stats = agent.learn(300)
>>> action, state = agent.predict(np.zeros(4, np.float32))
>>> print(stats.num_timesteps, int(action) in (0, 1), state)
300 True None
"""

from __future__ import annotations

import math
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from sensorimotor.agents.agent import (
    check_probability,
    generator_from_state,
    tree_arrays,
    tree_from_arrays,
)
from sensorimotor.agents.dqn.dqn_config import exploration_rate
from sensorimotor.agents.stream import stream_q_compiled
from sensorimotor.agents.stream.stream_agent import StreamAgent
from sensorimotor.agents.stream.stream_q_config import StreamQConfig
from sensorimotor.agents.stream.stream_q_update import init, normalised, observe, q_values, update

__all__ = ["StreamQ"]


@lru_cache(maxsize=32)
def flat_steps(config, obs_dim: int, n_actions: int):
    """``(unravel, observe_fn, update_fn)``: a learner state as one float32
    vector (``jax.flatten_util.ravel_pytree``; its int32 counters are exact up to
    :math:`2^{24}` updates) and two jitted functions of it. One array in and one out per
    call: a call of a jitted function costs a few microseconds per array it takes and
    returns, more than the network's arithmetic, so this is what makes the per-step loop
    fast.

    ``observe_fn(flat, obs) -> (flat, action values)``; ``update_fn(flat, inputs) -> (flat,
    outputs)`` with ``inputs = [reward, terminated, done, action, explored, *next_obs]``
    and ``outputs = [*action values of the new observation, TD error]``
    (:class:`~sensorimotor.agents.stream.stream_agent.StreamAgent`'s loop).
    """
    like = jax.eval_shape(lambda key: init(config, key, obs_dim, n_actions), jax.random.key(0))
    _, unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), like))

    def observe_fn(flat, obs):
        s = observe(config, unravel(flat), obs)
        return ravel_pytree(s)[0], q_values(s.q.params, s.obs)

    def update_fn(flat, inputs):
        action = inputs[3].astype(jnp.int32)
        terminated, done, explored = inputs[1] > 0.5, inputs[2] > 0.5, inputs[4] > 0.5
        s, metrics = update(
            config, unravel(flat), action, inputs[0], inputs[5:], terminated, done, explored
        )
        values = q_values(s.q.params, s.obs)
        return ravel_pytree(s)[0], jnp.concatenate([values, metrics.td_error[None]])

    return unravel, jax.jit(observe_fn), jax.jit(update_fn)


# one compiled program for a new learner: drawn op by op, its sparse initialisation
# compiled a program per operation and layer shape (0.4 s more for the first agent)
_init = jax.jit(init, static_argnums=(0, 2, 3))


@partial(jax.jit, static_argnums=0)
def _greedy(config, state, obs):
    return jnp.argmax(
        jax.vmap(q_values, (None, 0))(state.q.params, normalised(config, state, obs)), 1
    )


class StreamQ(StreamAgent):
    """Stream Q(:math:`\\lambda`); discrete actions (see the module).

    ``StreamQ(env, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium env or id with a
    ``Discrete`` action space and a ``Box`` observation space; the hyperparameters are
    :class:`~sensorimotor.agents.stream.stream_q_config.StreamQConfig`'s.

    Attributes (besides :class:`~sensorimotor.agents.agent.Agent`'s):
        state: the learner (:class:`~sensorimotor.agents.stream.stream_q_update.StreamQState`:
            Q-network, trace, normalisers).
        exploration_rate: the current epsilon.

    Speed: ``learn`` makes one compiled call per step, waiting for each. On a CPU, a
    program that trains only stream-x agents can call
    ``jax.config.update("jax_cpu_enable_async_dispatch", False)`` right after
    ``import jax``, so that each call runs in the calling thread rather than handing over
    to JAX's (1.4x the steps/s on a 2-core EPYC; DQN's Python loop, which queues 128
    gradient steps at a time, lost 12% with it). The library leaves that global
    setting to the program.

    >>> import os, tempfile
    >>> from sensorimotor.agents import StreamQ, evaluate
    >>> agent = StreamQ("CartPole-v1", seed=0)  # the paper's hyperparameters
    >>> stats = agent.learn(300)  # one update per step (epsilon falls over the first 5%)
    >>> mean, std = evaluate(agent, "CartPole-v1", n_episodes=2)
    >>> print(len(stats.episode_returns) > 0, agent.exploration_rate, mean > 0)
    True 0.01 True
    >>> path = os.path.join(tempfile.mkdtemp(), "streamq.npz")
    >>> agent.save(path)
    >>> print(StreamQ.load(path).predict(np.zeros(4))[0] == agent.predict(np.zeros(4))[0])
    True
    """

    CONFIG = StreamQConfig
    make_train = staticmethod(stream_q_compiled.make_train)

    def _setup(self) -> None:
        obs_dim = math.prod(self.observation_shape)
        self.state = _init(self.config, jax.random.key(self.seed), obs_dim, self.n_actions)
        self.exploration_rate = self.config.exploration_initial_eps
        self._rng = np.random.default_rng(self.seed)
        self._open = None  # the open episode: (action values, return so far, length so far)

    @property
    def q_params(self):
        """The Q-network's layers (:class:`~sensorimotor.nets.mlp.Dense` tuple)."""
        return self.state.q.params

    # -- acting ----------------------------------------------------------------------
    def _act(self, obs, deterministic: bool):
        flat = obs.reshape(len(obs), -1)
        greedy = np.asarray(_greedy(self.config, self.state, flat))
        if deterministic:
            return greedy
        explore = self._predict_rng.random(len(obs)) < self.exploration_rate
        random = self._predict_rng.integers(0, self.n_actions, len(obs))
        return np.where(explore, random, greedy)

    # -- learning (the loop is StreamAgent.learn) ----------------------------------------
    def _flat_steps(self):
        return flat_steps(self.config, math.prod(self.observation_shape), self.n_actions)

    def _draw(self, values):
        """Epsilon-greedy on the action values: ``(action, (action, explored))``."""
        action = greedy = int(np.argmax(values))
        if self._rng.random() < self.exploration_rate:
            action = int(self._rng.integers(self.n_actions))
        return action, (action, action != greedy)

    def _after_step(self, end: int) -> None:
        self.exploration_rate = exploration_rate(self.config, self.num_timesteps, end)

    def set_parameters(self, q_params) -> None:
        """Use ``q_params`` as the Q-network (the observation statistics stay the agent's:
        for one seed of :meth:`make_train` use :meth:`set_state`, which brings its
        statistics too); a ``ValueError`` if its shapes differ or it holds NaN or inf."""
        like = self.state.q.params
        try:
            got = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), q_params)
            same = jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(like) and all(
                a.shape == b.shape
                for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(like))
            )
        except (TypeError, ValueError):
            same = False
        if not same:
            raise ValueError("q_params must be layers shaped as the agent's Q-network")
        if not all(np.isfinite(a).all() for a in jax.tree_util.tree_leaves(got)):
            raise ValueError("q_params holds NaN or inf")
        params = jax.tree_util.tree_map(jnp.asarray, got)
        self.state = self.state._replace(q=self.state.q._replace(params=params))

    def set_state(self, state) -> None:
        """Use a whole learner state (e.g. one seed's ``train(key).state.learner`` from
        :meth:`make_train`: network, trace and normalisers)."""
        self.state = tree_from_arrays(
            "state", tree_arrays("s", state), "s", self.state, jnp.asarray
        )

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        fields = {
            "rng_state": self._rng.bit_generator.state,
            "exploration_rate": self.exploration_rate,
        }
        return tree_arrays("state", self.state), fields

    def _restore(self, path, arrays, header) -> None:
        try:
            rng = generator_from_state(header["rng_state"])
            eps = check_probability("exploration_rate", header["exploration_rate"])
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ValueError(f"{path}: the header does not describe a StreamQ ({err})") from None
        self.state = tree_from_arrays(path, arrays, "state", self.state, jnp.asarray)
        self._rng, self.exploration_rate = rng, eps
