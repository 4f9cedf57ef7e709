"""Gymnasium's ``CartPole-v1`` as a functional JAX environment."""

from typing import NamedTuple

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import COUNT, FINITE, NON_NEGATIVE, check_settings
from sensorimotor.envs.cartpole.cartpole_dynamics import (
    CartPoleParams,
    cartpole_failed,
    cartpole_step,
    check_cartpole_params,
)
from sensorimotor.envs.jax_env import JaxEnv


class CartPoleState(NamedTuple):
    """The cart-pole's state: position (m), velocity (m/s), pole angle (rad), its rate
    (rad/s), and the steps taken in the episode.

    >>> import jax
    >>> obs, state = CartPole().reset(jax.random.key(0))
    >>> int(state.time), bool(abs(state.theta) <= 0.05)  # a start within +-init_range
    (0, True)
    """

    x: jax.Array
    x_dot: jax.Array
    theta: jax.Array
    theta_dot: jax.Array
    time: jax.Array


class CartPoleEnvParams(NamedTuple):
    """``physics`` (see ``CartPoleParams``), the push ``force_mag`` (N), the episode's
    ``max_steps`` (truncation) and the half-width ``init_range`` of the uniform start.

    Passed to ``reset`` and ``step`` (``None``: these defaults), changed without a
    recompile:

    >>> import jax
    >>> env, params = CartPole(), CartPoleEnvParams(max_steps=1)
    >>> obs, state = env.reset(jax.random.key(0), params)
    >>> obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(1), state, 1, params)
    >>> bool(truncated), int(state.time)
    (True, 1)
    """

    physics: CartPoleParams = CartPoleParams()
    force_mag: float = 10.0
    max_steps: int = 500
    init_range: float = 0.05

    BOUNDS = dict(force_mag=FINITE, max_steps=COUNT, init_range=NON_NEGATIVE)


class CartPole(JaxEnv):
    """Gymnasium's ``CartPole-v1`` under the ``JaxEnv`` protocol: the same dynamics.

    ==============  ==================================================================
    observation     ``(x, x_dot, theta, theta_dot)``, shape ``(4,)``, the JAX default
                    float dtype
    action          ``0`` pushes left, ``1`` right, with ``force_mag`` = 10 N
    reward          1 for every step, the one that fails included
    terminated      ``|x| > 2.4`` m or ``|theta| > 12`` degrees (after the step)
    truncated       after ``max_steps`` = 500 steps (as Gymnasium's ``TimeLimit``, even
                    if the last step also terminates)
    start           each variable uniform in ``+-init_range`` = 0.05
    ==============  ==================================================================

    The step is ``cartpole_step`` (Euler, 0.02 s), Gymnasium's equations in Gymnasium's
    order: on NumPy float64 it is Gymnasium's step to the last bit. Compiled, each step
    agrees to the float's rounding (XLA's sine and cosine are not glibc's), and the
    unstable pole amplifies a difference about e-fold every 0.25 s when the same actions
    are replayed open loop: a replayed trajectory stays within 1e-5 of Gymnasium's for
    about 80 steps in float32 and 300 steps with x64 (``jax.enable_x64(True)``). Gymnasium
    draws its start from NumPy's generator, this from ``key``: the same law, other draws. A step
    after termination steps on (Gymnasium warns and gives reward 0 there; wrap the
    environment in ``AutoReset``). An action other than 0 or 1 is refused (``ValueError``
    naming ``action``) by the Python faces and by a call outside ``jit`` or ``vmap``;
    compiled code cannot raise, and there any action but 1 (2, -1, 0.5) pushes left.

    >>> import jax
    >>> env = CartPole()
    >>> obs, state = env.reset(jax.random.key(0))
    >>> obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(0), state, 1)
    >>> round(float(state.x_dot - obs[1]), 6), int(state.time), float(reward)
    (0.0, 1, 1.0)
    """

    @property
    def default_params(self) -> CartPoleEnvParams:
        return CartPoleEnvParams()

    def check_params(self, params) -> None:
        """``CartPoleEnvParams`` in their bounds, physics included (a massless pole or a
        NaN force made NaN states that never ended an episode).

        >>> CartPole().check_params(CartPoleEnvParams(init_range=-1.0))
        Traceback (most recent call last):
        ...
        ValueError: CartPoleEnvParams.init_range must be a finite number in [0, inf), got -1.0
        """
        if not isinstance(params, CartPoleEnvParams):
            raise TypeError(f"params must be a CartPoleEnvParams, got {type(params).__name__}")
        check_cartpole_params(params.physics)
        check_settings(params)

    def reset_env(self, key, params: CartPoleEnvParams):
        dtype = jnp.zeros(()).dtype  # float32 unless the user turned x64 on
        r = params.init_range
        x, x_dot, theta, theta_dot = jax.random.uniform(key, (4,), dtype, minval=-r, maxval=r)
        state = CartPoleState(x, x_dot, theta, theta_dot, jnp.zeros((), jnp.int32))
        return observation(state), state

    def step_env(self, key, state: CartPoleState, action, params: CartPoleEnvParams):
        action = jnp.asarray(action)
        if action.shape != ():
            raise ValueError(f"CartPole: action must be a scalar, got shape {action.shape}")
        # a traced action cannot raise (any value but 1 then pushes left, see the class);
        # a value known here, an eager call's, is checked
        if not isinstance(action, jax.core.Tracer) and (
            action.dtype.kind in "bc" or action.item() not in (0, 1)  # True and 1+0j were 1
        ):
            raise ValueError(f"CartPole: action must be 0 or 1, got {action.item()!r}")
        force = jnp.where(action == 1, params.force_mag, -params.force_mag).astype(state.x.dtype)
        x, x_dot, theta, theta_dot = cartpole_step(
            state.x, state.x_dot, state.theta, state.theta_dot, force, params.physics
        )
        state = CartPoleState(x, x_dot, theta, theta_dot, state.time + 1)
        terminated = cartpole_failed(x, theta, params.physics)
        truncated = state.time >= params.max_steps
        reward = jnp.ones((), x.dtype)
        return observation(state), state, reward, terminated, truncated, {}

    def observation_space(self, params=None) -> gymnasium.spaces.Box:
        """Gymnasium's box: twice the failure thresholds for ``x`` and ``theta``, unbounded rates."""
        physics = (self.default_params if params is None else params).physics
        high = np.array(
            [
                2 * physics.x_threshold,
                np.inf,
                2 * physics.theta_threshold,
                np.inf,
            ],
            np.float32,
        )
        return gymnasium.spaces.Box(-high, high, dtype=np.float32)

    def action_space(self, params=None) -> gymnasium.spaces.Discrete:
        return gymnasium.spaces.Discrete(2)


def observation(state: CartPoleState) -> jax.Array:
    """The observation ``(x, x_dot, theta, theta_dot)`` of a ``CartPoleState``."""
    return jnp.stack([state.x, state.x_dot, state.theta, state.theta_dot])
