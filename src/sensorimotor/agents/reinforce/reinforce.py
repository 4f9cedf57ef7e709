r"""REINFORCE (Williams 1992): a policy gradient from whole episodes, with normalised
discounted returns and an optional learned baseline, for discrete (categorical) or
continuous (Gaussian, squashed into the box) actions, in Stable-Baselines3's shape.

The loop: play ``episodes_per_update`` episodes with the stochastic policy (acting with a
NumPy copy of the policy: one small forward pass costs less than a dispatch), then one
jitted Adam step on the batch (:mod:`~sensorimotor.agents.reinforce.reinforce_update`: the loss, the
returns and the baseline); repeat until ``total_timesteps`` steps are done. Episodes are
padded to a power of two of steps (at least 64 and the env's ``max_episode_steps``), so a
run compiles the update once, or a few times at most. Everything drawn comes from ``seed``: the networks' init (a JAX key), the actions
and the episodes' reset seeds (one NumPy ``Generator``, saved with the agent).

>>> from sensorimotor.agents import zoo_settings
>>> settings = zoo_settings("Reinforce", "CartPole-v1")  # the library's tuned ones
>>> agent = Reinforce("CartPole-v1", seed=0, **settings)
>>> stats = agent.learn(300)
>>> action, state = agent.predict(np.zeros(4, np.float32))
>>> print(stats.num_timesteps >= 300, int(action) in (0, 1), state)
True True None
"""

from __future__ import annotations

import dataclasses
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents.agent import tree_arrays, tree_from_arrays
from sensorimotor.agents.dqn.dqn_update import make_optimizer
from sensorimotor.agents.episode_limit import episode_step_limit
from sensorimotor.agents.policy_agent import (
    PolicyAgent,
    check_config,
    config_from_kwargs,
    squash,
)
from sensorimotor.agents.reinforce.reinforce_update import EpisodeBatch, jitted_update
from sensorimotor.agents.training_stats import Progress, TrainingStats
from sensorimotor.base.bounds import COUNT, FINITE, NON_NEGATIVE, POSITIVE, UNIT
from sensorimotor.nets.mlp import init_mlp

__all__ = ["Reinforce", "ReinforceConfig"]

MIN_PAD = 64


@dataclasses.dataclass(frozen=True)
class ReinforceConfig:
    """REINFORCE's hyperparameters (SB3's names where SB3 has the same one).

    Attributes:
        learning_rate: Adam's step size (policy and baseline).
        gamma: discount of the returns.
        episodes_per_update: whole episodes per gradient step.
        normalize_returns: standardise the returns over the batch's steps.
        baseline: learn a value network :math:`V_\\phi(s)` and subtract it.
        vf_coef: weight of the baseline's squared error in the loss.
        ent_coef: weight of the policy's entropy bonus.
        max_grad_norm: the gradient's global norm is clipped to this.
        net_arch: hidden layer widths of the policy and the baseline (tanh).
        squash: continuous actions only: ``"tanh"`` or ``"clip"`` into the box.
        log_std_init: the Gaussian's initial :math:`\\log\\sigma`.

    >>> ReinforceConfig(episodes_per_update=0)
    Traceback (most recent call last):
    ...
    ValueError: ReinforceConfig.episodes_per_update must be an int in [1, inf), got 0
    """

    learning_rate: float = 1e-3
    gamma: float = 0.99
    episodes_per_update: int = 1
    normalize_returns: bool = True
    baseline: bool = False
    vf_coef: float = 0.5
    ent_coef: float = 0.0
    max_grad_norm: float = 10.0
    net_arch: tuple = (64, 64)
    squash: str = "tanh"
    log_std_init: float = 0.0

    BOUNDS = {
        "learning_rate": POSITIVE,
        "gamma": UNIT,
        "episodes_per_update": COUNT,
        "vf_coef": NON_NEGATIVE,
        "ent_coef": NON_NEGATIVE,
        "max_grad_norm": POSITIVE,
        "log_std_init": FINITE,
    }

    def __post_init__(self):
        for name in ("normalize_returns", "baseline"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(
                    f"ReinforceConfig.{name} must be a bool, got {getattr(self, name)!r}"
                )
            object.__setattr__(self, name, bool(getattr(self, name)))
        check_config(self, "ReinforceConfig")

    @classmethod
    def from_kwargs(cls, owner: str, hyperparameters: dict) -> ReinforceConfig:
        return config_from_kwargs(cls, owner, hyperparameters)


def _pad_length(n: int) -> int:
    return max(MIN_PAD, 1 << (n - 1).bit_length())


class Reinforce(PolicyAgent):
    """REINFORCE with an optional baseline (see the module).

    ``Reinforce(env, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium env or id with
    a ``Box`` observation space and a ``Discrete`` or 1-d bounded ``Box`` action space;
    the hyperparameters are :class:`ReinforceConfig`'s.

    Attributes (besides :class:`~sensorimotor.agents.policy_agent.PolicyAgent`'s):
        value_params: the baseline's MLP (trained only with ``baseline=True``).
        opt_state: the optimiser's state.
        n_updates: gradient steps taken.

    >>> import os, tempfile
    >>> from sensorimotor.agents import Reinforce, evaluate
    >>> agent = Reinforce("CartPole-v1", seed=0, baseline=True, episodes_per_update=2,
    ...                   net_arch=[16])
    >>> stats = agent.learn(200)  # whole batches of 2 episodes, until 200 steps are done
    >>> mean, std = evaluate(agent, "CartPole-v1", n_episodes=2)
    >>> print(stats.num_timesteps >= 200, agent.n_updates == len(stats.losses), mean > 0)
    True True True
    >>> path = os.path.join(tempfile.mkdtemp(), "reinforce.npz")
    >>> agent.save(path)
    >>> print(Reinforce.load(path).predict(np.zeros(4))[0] == agent.predict(np.zeros(4))[0])
    True
    """

    CONFIG = ReinforceConfig

    def _setup(self) -> None:
        c = self.config
        key_policy, key_value = jax.random.split(jax.random.key(self.seed))
        self._setup_policy(key_policy)
        obs_dim = math.prod(self.observation_shape)
        self.value_params = init_mlp(key_value, obs_dim, c.net_arch, 1, init="lecun")
        self.opt_state = make_optimizer(c.learning_rate, c.max_grad_norm).init(
            (self.params, self.value_params)
        )
        self._rng = np.random.default_rng(self.seed)
        self.n_updates = 0

    # -- learning --------------------------------------------------------------------
    def _draw(self, obs):
        """``(env action, stored action)`` for one observation: the sampled index, or the
        squash of the Gaussian's draw ``u`` and ``u``."""
        out = self._forward_one(obs)
        if self.action_space.discrete:
            z = np.exp(out - out.max())
            cdf = np.cumsum(z / z.sum())
            a = min(int((self._rng.random() > cdf).sum()), self.n_actions - 1)
            return a, a
        u = out + self._np_std * self._rng.standard_normal(out.shape)
        action = squash(u, *self._low_high(), self.config.squash).astype(np.float32)
        return action, u.astype(np.float32)

    def _forward_one(self, obs):
        a = obs.reshape(-1)
        for w, b in self._np_params[:-1]:
            a = np.tanh(a @ w + b)
        w, b = self._np_params[-1]
        return a @ w + b

    def learn(
        self,
        total_timesteps: int,
        callback=None,
        progress_bar: bool = False,
        reset_num_timesteps: bool = True,
    ) -> TrainingStats:
        """Play and learn for at least ``total_timesteps`` environment steps: whole
        batches of ``episodes_per_update`` episodes, so the counter passes
        ``total_timesteps`` by less than one batch. An environment without an episode
        limit (no ``TimeLimit``: a raw class rather than ``gym.make``'s) has
        its episodes cut where the call's steps run out, so that the call ends.

        Args:
            total_timesteps: environment steps of this call.
            callback: ``callback(agent)`` after every environment step; returning
                ``False`` stops learning (the open batch is dropped).
            progress_bar: report progress on stderr every tenth of the run.
            reset_num_timesteps: start the step counter afresh (SB3's default).

        Returns:
            :class:`~sensorimotor.agents.training_stats.TrainingStats` (``losses``: one
            per update).

        An environment that returns a wrong-shaped or non-finite observation or reward
        raises ``ValueError``; what was learned before stays.
        """
        total, env = self._begin_learning(
            total_timesteps, callback, progress_bar, reset_num_timesteps
        )
        c = self.config
        update = jitted_update(c, self.action_space.discrete)
        start = time.perf_counter()
        if reset_num_timesteps:
            self.num_timesteps = 0
        end = self.num_timesteps + total
        returns, lengths, losses = [], [], []
        bar = Progress(total, type(self).__name__, progress_bar)
        first, going = self.num_timesteps, True
        # an environment without an episode limit (a raw class, not gym.make's) could play
        # one episode for ever: there an episode ends where the call's steps run out
        unlimited = episode_step_limit(env) is None
        while going and self.num_timesteps < end:
            episodes = []
            for _ in range(c.episodes_per_update):
                if unlimited and episodes and self.num_timesteps >= end:
                    break  # the steps ran out: learn from the episodes played
                cap = end - self.num_timesteps if unlimited else None
                episode = self._play(env, callback, cap)
                if episode is None:
                    going = False
                    break
                episodes.append(episode)
                returns.append(float(episode[2].sum()))
                lengths.append(len(episode[2]))
            if not going:
                break
            batch = self._batch(episodes)
            self.params, self.value_params, self.opt_state, loss = update(
                self.params, self.value_params, self.opt_state, batch
            )
            self.n_updates += 1
            self._sync()
            losses.append(float(loss))
            bar.update(self.num_timesteps - first, np.mean(returns[-20:]))
        return TrainingStats(
            np.asarray(returns, np.float64),
            np.asarray(lengths, np.int64),
            np.asarray(losses, np.float64),
            self.num_timesteps,
            time.perf_counter() - start,
        )

    def _play(self, env, callback, cap=None):
        """One episode ``(obs, actions, rewards)`` with the stochastic policy, cut after
        ``cap`` steps if given; ``None`` if the callback stopped it."""
        obs = self._reset_env(env)
        observations, actions, rewards = [], [], []
        done = False
        while not done and (cap is None or len(rewards) < cap):
            action, stored = self._draw(obs)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            if not math.isfinite(reward):
                raise ValueError(f"the environment returned a non-finite reward {reward!r}")
            observations.append(obs)
            actions.append(stored)
            rewards.append(float(reward))
            obs = self._env_obs(next_obs)
            self.num_timesteps += 1
            done = terminated or truncated
            if callback is not None and callback(self) is False:
                return None
        return np.stack(observations), np.asarray(actions), np.asarray(rewards, np.float32)

    def _batch(self, episodes) -> EpisodeBatch:
        # the env's episode limit, when it has one, pads every batch alike: one compile
        limit = episode_step_limit(self.env) or 0
        length = _pad_length(max(limit, *(len(e[2]) for e in episodes)))
        b = len(episodes)
        obs = np.zeros((b, length, *self.observation_shape), np.float32)
        if self.action_space.discrete:
            actions = np.zeros((b, length), np.int32)
        else:
            actions = np.zeros((b, length, self.n_actions), np.float32)
        rewards = np.zeros((b, length), np.float32)
        mask = np.zeros((b, length), np.float32)
        for i, (o, a, r) in enumerate(episodes):
            n = len(r)
            obs[i, :n], actions[i, :n], rewards[i, :n], mask[i, :n] = o, a, r, 1.0
        return EpisodeBatch(obs, actions, rewards, mask)

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        arrays = {
            **tree_arrays("policy", self.params),
            **tree_arrays("value", self.value_params),
            **tree_arrays("opt", self.opt_state),
        }
        return arrays, self._policy_fields()

    def _restore(self, path, arrays, header) -> None:
        self._restore_action_space(path, header)
        rng, n_updates = self._read_learning_state(path, header)
        self.params = tree_from_arrays(path, arrays, "policy", self.params, jnp.asarray)
        self.value_params = tree_from_arrays(path, arrays, "value", self.value_params, jnp.asarray)
        self.opt_state = tree_from_arrays(path, arrays, "opt", self.opt_state, jnp.asarray)
        self._sync()
        self._rng, self.n_updates = rng, n_updates
