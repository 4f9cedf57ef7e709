r"""DQN (Mnih et al. 2015, "Human-level control through deep reinforcement learning"), in
Stable-Baselines3's shape and with its counting, on any Gymnasium environment with
discrete actions; compiled end to end on a JAX environment with :meth:`DQN.make_train`.

The loop, per environment step :math:`t` (SB3's order):

1. act: uniform at random while :math:`t <` ``learning_starts``, then
   :math:`\epsilon`-greedy on :math:`Q_\theta` (:func:`~sensorimotor.agents.dqn.dqn_config.
   exploration_rate`);
2. step the env; store :math:`(s, a, r, s', \text{terminated})` in the replay buffer
   (a truncated episode's :math:`s'` is its true last observation, bootstrapped);
3. every ``target_update_interval`` environment steps: :math:`\bar\theta \leftarrow
   \tau\theta + (1-\tau)\bar\theta`;
4. every ``train_freq`` steps, once :math:`t >` ``learning_starts``: a training phase of
   ``gradient_steps`` Adam steps on fresh uniform batches of the Huber TD loss
   (:mod:`~sensorimotor.agents.dqn.dqn_update`), one jitted ``lax.scan``, at the rate of
   ``learning_rate_schedule`` for step :math:`t` (:func:`~sensorimotor.agents.dqn.dqn_config.
   learning_rate_scale`).

As in SB3, the last phase of a ``learn`` call is completed, so the step counter may pass
``total_timesteps`` by less than ``train_freq``. Everything drawn comes from ``seed``: the
Q-network's init (a JAX key), exploration, batches and the episodes' reset seeds (one NumPy
``Generator``, saved with the agent). The Python loop keeps the buffer in NumPy, acts with a
NumPy copy of the Q-network (one small forward pass costs less than a dispatch) and calls
one compiled function per training phase.

>>> agent = DQN("CartPole-v1", seed=0, learning_starts=50, train_freq=10, net_arch=[16])
>>> stats = agent.learn(200)
>>> action, state = agent.predict(np.zeros(4, np.float32))
>>> print(stats.num_timesteps, int(action) in (0, 1), state)
200 True None
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents.agent import (
    Agent,
    check_probability,
    generator_from_state,
    tree_arrays,
    tree_from_arrays,
)
from sensorimotor.agents.dqn import dqn_compiled
from sensorimotor.agents.dqn.dqn_config import DQNConfig, exploration_rate, learning_rate_scale
from sensorimotor.agents.dqn.dqn_update import Transition, jitted, make_optimizer
from sensorimotor.agents.training_stats import Progress, TrainingStats
from sensorimotor.base.bounds import is_int
from sensorimotor.nets import replay_buffer as rb
from sensorimotor.nets.mlp import init_mlp, mlp_sizes

__all__ = ["DQN"]


class DQN(Agent):
    """Deep Q-learning with a replay buffer and a target network; discrete actions.

    ``DQN(env, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium env or id with a
    ``Discrete`` action space and a ``Box`` observation space; the hyperparameters are
    :class:`~sensorimotor.agents.dqn.dqn_config.DQNConfig`'s (SB3's names and defaults).

    Attributes (besides :class:`~sensorimotor.agents.agent.Agent`'s):
        q_params, target_params: the Q-network and its target (tuples of
            :class:`~sensorimotor.nets.mlp.Dense`).
        opt_state: the optimiser's state.
        buffer: the replay buffer (NumPy) of
            :class:`~sensorimotor.agents.dqn.dqn_update.Transition`.
        exploration_rate: the current epsilon.

    >>> import os, tempfile
    >>> from sensorimotor.agents import DQN, evaluate
    >>> agent = DQN("CartPole-v1", seed=0, learning_starts=50, train_freq=10, buffer_size=1000,
    ...             net_arch=[16])
    >>> stats = agent.learn(200)  # a training phase every 10 steps after the first 50
    >>> mean, std = evaluate(agent, "CartPole-v1", n_episodes=2)
    >>> print(len(stats.losses), mean > 0)
    15 True
    >>> path = os.path.join(tempfile.mkdtemp(), "dqn.npz")
    >>> agent.save(path)
    >>> again = DQN.load(path, env="CartPole-v1")  # networks, buffer, counters and generator
    >>> print(again.learn(100, reset_num_timesteps=False).num_timesteps, int(again.buffer.count))
    300 300
    """

    CONFIG = DQNConfig
    make_train = staticmethod(dqn_compiled.make_dqn_train)

    def _setup(self) -> None:
        c = self.config
        self._greedy, self._train_phase, self._polyak = jitted(c)
        obs_dim = math.prod(self.observation_shape)
        self.q_params = init_mlp(
            jax.random.key(self.seed), obs_dim, c.net_arch, self.n_actions, init=c.net_init
        )
        self.target_params = self.q_params
        self._sync()
        self.opt_state = make_optimizer(c.learning_rate, c.max_grad_norm, c.adam_eps).init(
            self.q_params
        )
        obs = np.zeros(self.observation_shape, np.float32)
        item = Transition(obs, np.int32(0), np.float32(0), obs, np.float32(0))
        self.buffer = rb.init(item, c.buffer_size)
        self.exploration_rate = c.exploration_initial_eps
        self._rng = np.random.default_rng(self.seed)
        self._n_calls = 0  # environment steps since the agent was made: target updates
        self._n_updates = 0  # gradient steps
        self._last_obs = None  # the open episode: (obs, return so far, length so far)

    # -- acting ----------------------------------------------------------------------
    def _act(self, obs, deterministic: bool):
        greedy = np.asarray(self._greedy(self.q_params, obs))
        if deterministic:
            return greedy
        explore = self._predict_rng.random(len(obs)) < self.exploration_rate
        random = self._predict_rng.integers(0, self.n_actions, len(obs))
        return np.where(explore, random, greedy)

    def _explore(self, obs) -> int:
        """The training action for one observation (the loop's draws, in order)."""
        if self.num_timesteps < self.config.learning_starts:
            return int(self._rng.integers(self.n_actions))
        if self._rng.random() < self.exploration_rate:
            return int(self._rng.integers(self.n_actions))
        # NumPy, not a jitted call: one small forward pass costs less than a dispatch
        a = obs.reshape(-1)
        for w, b in self._np_params[:-1]:
            a = np.maximum(a @ w + b, 0.0)
        w, b = self._np_params[-1]
        return int(np.argmax(a @ w + b))

    def _sync(self) -> None:
        """Refresh the NumPy copy of the Q-network that the per-step loop acts with."""
        self._np_params = [(np.asarray(layer.w), np.asarray(layer.b)) for layer in self.q_params]

    def set_parameters(self, q_params) -> None:
        """Use ``q_params`` (e.g. one seed's network from :meth:`make_train`) as the
        Q-network and its target; a ``ValueError`` if its layer sizes differ."""
        want = mlp_sizes(self.q_params)
        try:
            got = mlp_sizes(q_params)
        except (AttributeError, IndexError, TypeError):
            raise ValueError(f"q_params must be an MLP's layers, got {type(q_params)}") from None
        if got != want:
            raise ValueError(f"q_params has layer sizes {got}, the agent's network {want}")
        params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), q_params)
        if not all(bool(jnp.all(jnp.isfinite(a))) for a in jax.tree_util.tree_leaves(params)):
            raise ValueError("q_params holds NaN or inf")
        self.q_params = self.target_params = params
        self._sync()

    # -- learning --------------------------------------------------------------------
    def learn(
        self,
        total_timesteps: int,
        callback=None,
        progress_bar: bool = False,
        reset_num_timesteps: bool = True,
    ) -> TrainingStats:
        """Train for ``total_timesteps`` environment steps (see the module for the loop).

        Args:
            total_timesteps: environment steps of this call.
            callback: ``callback(agent)`` after every environment step; returning
                ``False`` stops learning, ``None`` goes on (SB3's function callback
                ``callback(locals_, globals_)`` must return ``True`` to go on).
            progress_bar: report progress on stderr every tenth of the run.
            reset_num_timesteps: start the step counter (and the epsilon schedule) and a
                new episode afresh (SB3's default); ``False`` goes on from the last call.

        Returns:
            :class:`~sensorimotor.agents.training_stats.TrainingStats`.

        An environment that returns a wrong-shaped or non-finite observation or reward
        raises ``ValueError``; what was learned before stays.
        """
        import time

        total, env = self._begin_learning(
            total_timesteps, callback, progress_bar, reset_num_timesteps
        )
        c = self.config
        start = time.perf_counter()
        if reset_num_timesteps:
            self.num_timesteps, self._last_obs = 0, None
        end = self.num_timesteps + total
        if self._last_obs is None:
            self._last_obs = (self._reset_env(env), 0.0, 0)
        obs, ep_return, ep_length = self._last_obs
        returns, lengths, losses = [], [], []
        bar = Progress(total, type(self).__name__, progress_bar)
        first, going = self.num_timesteps, True
        while going and self.num_timesteps < end:
            for _ in range(c.train_freq):
                action = self._explore(obs)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                next_obs = self._env_obs(next_obs)
                if not math.isfinite(reward):
                    raise ValueError(f"the environment returned a non-finite reward {reward!r}")
                self.buffer = rb.add(
                    self.buffer,
                    Transition(
                        obs, np.int32(action), np.float32(reward), next_obs, np.float32(terminated)
                    ),
                )
                self.num_timesteps += 1
                self._n_calls += 1
                if self._n_calls % c.target_update_interval == 0:
                    self._update_target()
                self.exploration_rate = exploration_rate(c, self.num_timesteps, end)
                ep_return += float(reward)
                ep_length += 1
                if terminated or truncated:
                    returns.append(ep_return)
                    lengths.append(ep_length)
                    obs, ep_return, ep_length = self._reset_env(env), 0.0, 0
                else:
                    obs = next_obs
                self._last_obs = (obs, ep_return, ep_length)
                if callback is not None and callback(self) is False:
                    going = False
                    break
            if going and self.num_timesteps > c.learning_starts:
                losses.append(self._train(learning_rate_scale(c, self.num_timesteps, end)))
            bar.update(self.num_timesteps - first, np.mean(returns[-20:]) if returns else 0.0)
        return TrainingStats(
            np.asarray(returns, np.float64),
            np.asarray(lengths, np.int64),
            np.asarray(losses, np.float64),
            self.num_timesteps,
            time.perf_counter() - start,
        )

    def _update_target(self) -> None:
        if self.config.tau == 1.0:
            self.target_params = self.q_params
        else:
            self.target_params = self._polyak(self.q_params, self.target_params, self.config.tau)

    def _train(self, lr_scale: float) -> float:
        c = self.config
        flat = rb.sample(self.buffer, self._rng, c.gradient_steps * c.batch_size)
        batches = jax.tree_util.tree_map(
            lambda a: a.reshape(c.gradient_steps, c.batch_size, *a.shape[1:]), flat
        )
        self.q_params, self.opt_state, phase_losses = self._train_phase(
            self.q_params, self.target_params, self.opt_state, batches, lr_scale=lr_scale
        )
        self._n_updates += c.gradient_steps
        self._sync()
        return float(jnp.mean(phase_losses))

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        n = int(self.buffer.count)
        arrays = {
            **tree_arrays("q", self.q_params),
            **tree_arrays("target", self.target_params),
            **tree_arrays("opt", self.opt_state),
            # the slots written so far (the first n, until the ring has wrapped)
            **tree_arrays("buffer", jax.tree_util.tree_map(lambda a: a[:n], self.buffer.data)),
        }
        fields = {
            "rng_state": self._rng.bit_generator.state,
            "n_calls": self._n_calls,
            "n_updates": self._n_updates,
            "exploration_rate": self.exploration_rate,
            "buffer_position": int(self.buffer.position),
            "buffer_count": n,
        }
        return arrays, fields

    def _restore(self, path, arrays, header) -> None:
        try:
            counts = {
                name: header[name]
                for name in ("buffer_count", "buffer_position", "n_calls", "n_updates")
            }
            for name, value in counts.items():
                # int() would read 2.5 as 2, True as 1 and "3" as 3 from a hand-edited header
                if not is_int(value) or value < 0:
                    raise ValueError(f"{name} must be a non-negative int, got {value!r}")
            n, position = int(counts["buffer_count"]), int(counts["buffer_position"])
            capacity = self.config.buffer_size
            if not (0 <= n <= capacity and 0 <= position < capacity):
                raise ValueError(f"buffer count {n} and position {position} out of range")
            # the ring fills slots 0, 1, ... in order: until it is full, the next slot to
            # write is the count (another position would sample slots never written)
            if n < capacity and position != n:
                raise ValueError(f"buffer position {position} with count {n} < {capacity}")
            rng = generator_from_state(header["rng_state"])
            n_calls, n_updates = int(counts["n_calls"]), int(counts["n_updates"])
            eps = check_probability("exploration_rate", header["exploration_rate"])
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ValueError(f"{path}: the header does not describe a DQN ({err})") from None
        self.q_params = tree_from_arrays(path, arrays, "q", self.q_params, jnp.asarray)
        self.target_params = tree_from_arrays(path, arrays, "target", self.q_params, jnp.asarray)
        self._sync()
        self.opt_state = tree_from_arrays(path, arrays, "opt", self.opt_state, jnp.asarray)
        like = jax.tree_util.tree_map(lambda a: a[:n], self.buffer.data)
        stored = tree_from_arrays(path, arrays, "buffer", like)
        # what the loop stores: actions of the action space, terminated flags 0 or 1
        if ((stored.action < 0) | (stored.action >= self.n_actions)).any():
            raise ValueError(
                f"{path}: its replay buffer holds actions outside [0, {self.n_actions})"
            )
        if not np.isin(stored.terminated, (0.0, 1.0)).all():
            raise ValueError(f"{path}: its replay buffer holds terminated flags other than 0 and 1")
        for slots, saved in zip(self.buffer.data, stored, strict=True):
            slots[:n] = saved
        self.buffer = rb.ReplayBuffer(self.buffer.data, np.int32(position), np.int32(n))
        self._rng = rng
        self._n_calls, self._n_updates = n_calls, n_updates
        self.exploration_rate = eps
