r"""What the policy agents share (REINFORCE, behavioural cloning, DAgger): a policy MLP for a
discrete or a continuous action space, its NumPy forward pass for the per-step loop, and
the action space saved with the agent.

The policy is an MLP from :mod:`sensorimotor.nets.mlp` (LeCun init, no LayerNorm) whose
output :math:`f_\theta(s) \in \mathbb R^n` is

* for ``Discrete(n)``: the logits of a categorical policy,
  :math:`\pi(a|s) = \operatorname{softmax}(f_\theta(s))_a`; greedy: :math:`\arg\max_a`;
* for ``Box`` actions of dimension :math:`n`: the mean :math:`\mu` of a Gaussian
  :math:`u \sim \mathcal N(\mu, \operatorname{diag}\sigma^2)` with a learned
  :math:`\log\sigma` (one per dimension, not a function of :math:`s`), mapped into the box
  :math:`[l, h]` by ``squash``: ``"tanh"``, :math:`a = l + (h - l)(\tanh u + 1)/2`, or
  ``"clip"``, :math:`a = \operatorname{clip}(u, l, h)`; greedy: the map of :math:`\mu`.

>>> params = init_policy(jax.random.key(0), 3, (8,), 2)
>>> print(np_forward(numpy_params(params), np.zeros((1, 3), np.float32)).shape)
(1, 2)
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents.agent import (
    Agent,
    box_observation_shape,
    check_bounds,
    generator_from_state,
)
from sensorimotor.base.bounds import check_flag, check_settings, check_widths, is_int
from sensorimotor.base.names import check_known_names
from sensorimotor.nets.mlp import init_mlp, mlp_apply

__all__ = ["ActionSpace", "PolicyAgent", "squash"]

SQUASHES = ("tanh", "clip")
OUTPUT_SCALE = 0.01  # a near-uniform (or near-mean) policy at the start


class PolicyParams(NamedTuple):
    """The policy MLP's layers and the Gaussian's ``log_std`` ``(n,)`` (unused when the
    actions are discrete, kept so that both kinds save the same arrays)."""

    net: tuple
    log_std: jax.Array


def init_policy(key, obs_dim: int, net_arch, n: int, log_std_init: float = 0.0):
    """A policy of ``n`` outputs: LeCun init, the output layer scaled by 0.01."""
    net = init_mlp(key, obs_dim, net_arch, n, init="lecun")
    last = net[-1]
    net = (*net[:-1], type(last)(last.w * OUTPUT_SCALE, last.b))
    return PolicyParams(net, jnp.full((n,), log_std_init, jnp.float32))


def policy_out(params: PolicyParams, obs):
    """The MLP's output for ONE observation (flattened), ``(n,)``; tanh hidden units."""
    return mlp_apply(params.net, obs.reshape(-1), activation="tanh", layer_norm=False)


def numpy_params(params: PolicyParams):
    return [(np.asarray(layer.w), np.asarray(layer.b)) for layer in params.net]


def np_forward(np_params, obs: np.ndarray) -> np.ndarray:
    """:func:`policy_out` in NumPy for a batch ``(b, ...)``: one small forward pass costs
    less than a JAX dispatch."""
    a = obs.reshape(len(obs), -1)
    for w, b in np_params[:-1]:
        a = np.tanh(a @ w + b)
    w, b = np_params[-1]
    return a @ w + b


class ActionSpace(NamedTuple):
    """An agent's action space: ``discrete`` with ``n`` actions, or a box of dimension
    ``n`` with bounds ``low``, ``high`` (tuples of floats).

    >>> box = ActionSpace.of(gym.spaces.Box(-2.0, 2.0, (1,)), "Reinforce")  # Pendulum's
    >>> print(box.discrete, box.n, box.low, box.high, ActionSpace.of(gym.spaces.Discrete(3), "").n)
    False 1 (-2.0,) (2.0,) 3
    >>> ActionSpace.of(gym.spaces.Box(-np.inf, np.inf, (2,)), "Reinforce")
    Traceback (most recent call last):
    ...
    ValueError: Reinforce needs a bounded Box action space, got Box(-inf, inf, (2,), float32)
    """

    discrete: bool
    n: int
    low: tuple = ()
    high: tuple = ()

    @classmethod
    def of(cls, space, owner: str) -> ActionSpace:
        if isinstance(space, gym.spaces.Discrete):
            if space.start != 0:
                raise ValueError(f"{owner}: the Discrete action space must start at 0, got {space}")
            return cls(True, int(space.n))
        if isinstance(space, gym.spaces.Box) and len(space.shape) == 1:
            low, high = np.asarray(space.low, np.float64), np.asarray(space.high, np.float64)
            if not (np.isfinite(low).all() and np.isfinite(high).all() and (low < high).all()):
                raise ValueError(f"{owner} needs a bounded Box action space, got {space}")
            return cls(False, int(space.shape[0]), tuple(low.tolist()), tuple(high.tolist()))
        raise ValueError(
            f"{owner} needs a Discrete or a 1-d Box action space; env.action_space is "
            f"{type(space).__name__} ({space})"
        )

    @classmethod
    def from_header(cls, path, fields) -> ActionSpace:
        try:
            n, discrete = fields["n"], fields["discrete"]
            # bool("false") is True: a continuous agent's file would load as a discrete one
            if not isinstance(discrete, bool):
                raise ValueError(f"discrete must be true or false, got {discrete!r}")
            # int() would read 3.0 as 3, True as 1 and "3" as 3 from a hand-edited header
            if not is_int(n) or n < 1:
                raise ValueError(f"n must be a positive int, got {n!r}")
            got = cls(
                discrete,
                int(n),
                tuple(float(v) for v in fields["low"]),
                tuple(float(v) for v in fields["high"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{path}: the header's action space is not valid ({err})") from None
        if not got.discrete:
            try:
                check_bounds(got.low, got.high, got.n, bounded=True)
            except ValueError as err:
                raise ValueError(
                    f"{path}: the header's action space is not valid ({err})"
                ) from None
        return got

    def to_header(self) -> dict:
        return {
            "discrete": self.discrete,
            "n": self.n,
            "low": list(self.low),
            "high": list(self.high),
        }


def squash(u, low, high, how: str):
    """The action in the box ``[low, high]`` for a Gaussian's draw ``u`` (see the module);
    NumPy or JAX.

    >>> print(squash(np.array([0.0, 9.0]), np.array([-1.0, 0.0]), np.array([1.0, 2.0]), "tanh"))
    [0. 2.]
    """
    if how == "tanh":
        xp = jnp if isinstance(u, jax.Array) else np
        return low + (high - low) * (xp.tanh(u) + 1.0) / 2.0
    xp = jnp if isinstance(u, jax.Array) else np
    return xp.clip(u, low, high)


def check_config(config, owner: str) -> None:
    """The checks every policy agent's config shares: ``net_arch`` a list of positive ints
    (kept as a tuple), ``squash`` a known one, then the declared bounds (Python numbers
    kept: the config is a cache key)."""
    object.__setattr__(config, "net_arch", check_widths(f"{owner}.net_arch", config.net_arch))
    if config.squash not in SQUASHES:
        raise ValueError(f"{owner}.squash must be one of {SQUASHES}, got {config.squash!r}")
    check_settings(config)
    for name, bounds in config.BOUNDS.items():
        value = getattr(config, name)
        object.__setattr__(config, name, int(value) if bounds[4] else float(value))


def config_from_kwargs(cls, owner: str, hyperparameters: dict):
    """``cls(**hyperparameters)``; an unknown name is a ``TypeError`` naming it."""
    check_known_names(owner, hyperparameters, [f.name for f in dataclasses.fields(cls)])
    return cls(**hyperparameters)


class PolicyAgent(Agent):
    """An :class:`~sensorimotor.agents.agent.Agent` whose actions may be discrete or
    continuous (``n_actions`` is then the action dimension), acting with a policy MLP
    (see the module). A subclass's config has ``net_arch``, ``squash`` and
    ``log_std_init``.

    Attributes (besides the Agent's):
        action_space: the :class:`ActionSpace` (saved with the agent).
        params: the policy's :class:`PolicyParams`.

    The same agent class on discrete and on continuous actions:

    >>> from sensorimotor.agents import Reinforce
    >>> cart = Reinforce("CartPole-v1", seed=0, net_arch=[16])  # Discrete(2): a categorical
    >>> print(cart.predict(np.zeros(4))[0] in (0, 1), cart.predict(np.zeros((5, 4)))[0].shape)
    True (5,)
    >>> pendulum = Reinforce("Pendulum-v1", seed=0, net_arch=[16])  # Box(-2, 2, (1,)): a Gaussian
    >>> action, _ = pendulum.predict(np.zeros(3), deterministic=False)  # a draw, squashed
    >>> print(pendulum.n_actions, action.dtype, bool(-2.0 <= action[0] <= 2.0))
    1 float32 True
    """

    def _spaces(self, env):
        name = type(self).__name__
        shape = box_observation_shape(env, name)
        self.action_space = ActionSpace.of(env.action_space, name)
        return shape, self.action_space.n

    def action_space_differs(self, space) -> str | None:
        """``None`` when the agent acts in the Gymnasium action space ``space`` (the same
        kind, size and bounds), else the agent's own action space, described.

        >>> from sensorimotor.agents import Reinforce
        >>> agent = Reinforce("Pendulum-v1", net_arch=[8])
        >>> print(agent.action_space_differs(gym.spaces.Box(-2.0, 2.0, (1,))),
        ...       agent.action_space_differs(gym.spaces.Discrete(3)))
        None Box(low=(-2.0,), high=(2.0,))
        """
        try:
            if ActionSpace.of(space, "") == self.action_space:
                return None
        except ValueError:  # not an action space a policy agent acts in at all
            pass
        mine = self.action_space
        if mine.discrete:
            return f"Discrete({mine.n})"
        return f"Box(low={mine.low}, high={mine.high})"

    def _setup_policy(self, key) -> None:
        c = self.config
        obs_dim = math.prod(self.observation_shape)
        self.params = init_policy(key, obs_dim, c.net_arch, self.n_actions, c.log_std_init)
        self._sync()

    def _sync(self) -> None:
        """Refresh the NumPy copy of the policy that the per-step loop acts with."""
        self._np_params = numpy_params(self.params)
        self._np_std = np.exp(np.asarray(self.params.log_std, np.float64))

    def _low_high(self):
        return np.asarray(self.action_space.low), np.asarray(self.action_space.high)

    def _act(self, obs, deterministic: bool):
        out = np_forward(self._np_params, obs)
        if self.action_space.discrete:
            if deterministic:
                return np.argmax(out, axis=1)
            z = np.exp(out - out.max(axis=1, keepdims=True))
            cdf = np.cumsum(z / z.sum(axis=1, keepdims=True), axis=1)
            u = self._predict_rng.random((len(out), 1))
            return np.minimum((u > cdf).sum(axis=1), self.n_actions - 1)
        if not deterministic:
            out = out + self._np_std * self._predict_rng.standard_normal(out.shape)
        return squash(out, *self._low_high(), self.config.squash)

    def predict(self, obs, state=None, episode_start=None, deterministic: bool = True):
        """``(action, None)`` for ``obs`` (SB3's signature; ``state`` and
        ``episode_start`` are ignored): a NumPy int (discrete) or a float32 array
        ``(n,)`` (continuous) for one observation, a batch of them for a batch."""
        check_flag("deterministic", deterministic)
        if self.action_space.discrete:
            return super().predict(obs, deterministic=deterministic)
        batch, single = self.check_obs(obs)
        actions = np.asarray(self._act(batch, deterministic), dtype=np.float32)
        return (actions[0] if single else actions), None

    def check_actions(self, actions, n: int, name: str = "actions") -> np.ndarray:
        """``n`` actions as an int array ``(n,)`` or a float32 array ``(n, dim)`` inside
        the box; a ``ValueError`` naming ``name`` otherwise."""
        space = self.action_space
        try:
            arr = np.asarray(actions, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array of numbers, got {type(actions)}") from None
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} holds NaN or inf")
        if space.discrete:
            if arr.shape == (n, 1):
                arr = arr[:, 0]
            if arr.shape != (n,):
                raise ValueError(f"{name} has shape {arr.shape}; expected ({n},) action indices")
            if (arr != np.round(arr)).any() or (arr < 0).any() or (arr >= space.n).any():
                raise ValueError(f"{name} must be ints in [0, {space.n})")
            return arr.astype(np.int32)
        if arr.shape != (n, space.n):
            raise ValueError(f"{name} has shape {arr.shape}; expected ({n}, {space.n})")
        low, high = self._low_high()
        if (arr < low - 1e-6).any() or (arr > high + 1e-6).any():
            raise ValueError(f"{name} lie outside the action box [{low}, {high}]")
        return arr.astype(np.float32)

    def _restore_action_space(self, path, header) -> None:
        """Set the action space from a saved header; with an env given to ``load``, its
        action space must be the saved one."""
        saved = ActionSpace.from_header(path, header.get("action_space"))
        if saved.n != self.n_actions:  # the network's outputs were made for n_actions
            raise ValueError(
                f"{path}: the header's action space has n {saved.n}, its n_actions is "
                f"{self.n_actions}"
            )
        mine = getattr(self, "action_space", None)
        if mine is not None and mine != saved:
            raise ValueError(
                f"env: its action space {mine} differs from the saved agent's {saved} ({path})"
            )
        self.action_space = saved

    def _policy_fields(self) -> dict:
        """The header fields every policy agent saves: its action space, its training
        generator's state and update count (read back by :meth:`_read_learning_state`)."""
        return {
            "action_space": self.action_space.to_header(),
            "rng_state": self._rng.bit_generator.state,
            "n_updates": self.n_updates,
        }

    def _read_learning_state(self, path, header) -> tuple:
        """``(rng, n_updates)`` from a saved header, checked; a ``ValueError``
        naming ``path`` if the header does not hold them."""
        try:
            rng = generator_from_state(header["rng_state"])
            n_updates = header["n_updates"]
            # int() would read 2.5 as 2, True as 1 and "3" as 3 from a hand-edited header
            if not is_int(n_updates) or n_updates < 0:
                raise ValueError(f"n_updates must be a non-negative int, got {n_updates!r}")
            n_updates = int(n_updates)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            name = type(self).__name__
            raise ValueError(f"{path}: the header does not describe a {name} ({err})") from None
        return rng, n_updates
