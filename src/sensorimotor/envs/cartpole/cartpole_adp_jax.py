"""Si and Wang's cart-pole as a functional JAX environment, for compiled trials."""

from typing import NamedTuple

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, POSITIVE, UNIT, check_settings
from sensorimotor.envs.action_checks import check_known_action_finite, real_action
from sensorimotor.envs.cartpole.cartpole import CartPoleState, observation
from sensorimotor.envs.cartpole.cartpole_dynamics import (
    CartPoleParams,
    cartpole_failed,
    cartpole_step,
    check_cartpole_params,
)
from sensorimotor.envs.jax_env import JaxEnv


class CartPoleADPParams(NamedTuple):
    """``physics`` (Barto's friction by default), ``max_force`` (N), the multiplicative
    ``actuator_noise`` level, the start's ``init_range`` and the ``max_steps`` limit.

    >>> import jax, jax.numpy as jnp
    >>> env, params = CartPoleADPJax(), CartPoleADPParams(actuator_noise=0.05, max_steps=1)
    >>> obs, state = env.reset(jax.random.key(0), params)
    >>> obs, state, reward, terminated, truncated, _ = env.step(
    ...     jax.random.key(1), state, jnp.zeros(1), params)
    >>> params.physics.cart_friction, bool(truncated)  # Barto's friction by default
    (0.0005, True)
    """

    physics: CartPoleParams = CartPoleParams.barto()
    max_force: float = 10.0
    actuator_noise: float = 0.0
    init_range: float = 0.05
    max_steps: int = 6000

    BOUNDS = dict(max_force=POSITIVE, actuator_noise=UNIT, init_range=NON_NEGATIVE, max_steps=COUNT)


class CartPoleADPJax(JaxEnv):
    """``sensorimotor/CartPoleADP-v0`` under the ``JaxEnv`` protocol: the same plant.

    ==============  ================================================================
    observation     ``(x, x_dot, theta, theta_dot)``, shape ``(4,)``
    action          ``a``, shape ``(1,)``, clipped to ``[-1, 1]``: the force
                    ``max_force * a (1 + u)``, ``u`` uniform in ``+-actuator_noise``
                    (drawn from the step's key)
    reward          -1 at the failing step, else 0
    terminated      ``|x| > 2.4`` m or ``|theta| > 12`` degrees
    truncated       after ``max_steps`` = 6000 steps (Si and Wang's success)
    start           each variable uniform in ``+-init_range`` = 0.05
    ==============  ================================================================

    The step is ``cartpole_step`` with Barto's friction, as ``CartPoleADP`` and
    ``CartPoleADPEnv`` take it; ``AutoReset`` makes the next trial start where one fails.
    A NaN or infinite action is refused (``ValueError`` naming ``action``) by a call
    outside ``jit`` or ``vmap``, as ``CartPoleADPEnv`` refuses it; compiled code cannot
    raise, and there it makes the state NaN.

    >>> import jax, jax.numpy as jnp
    >>> env = CartPoleADPJax()
    >>> obs, state = env.reset(jax.random.key(0))
    >>> obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(1), state, jnp.ones(1))
    >>> float(reward), bool(terminated), int(state.time)
    (0.0, False, 1)
    """

    @property
    def default_params(self) -> CartPoleADPParams:
        return CartPoleADPParams()

    def reset_env(self, key, params: CartPoleADPParams):
        dtype = jnp.zeros(()).dtype
        r = params.init_range
        x, x_dot, theta, theta_dot = jax.random.uniform(key, (4,), dtype, minval=-r, maxval=r)
        state = CartPoleState(x, x_dot, theta, theta_dot, jnp.zeros((), jnp.int32))
        return observation(state), state

    def check_params(self, params) -> None:
        """``CartPoleADPParams`` in their bounds, physics included.

        >>> CartPoleADPJax().check_params(CartPoleADPParams(actuator_noise=2.0))
        Traceback (most recent call last):
        ...
        ValueError: CartPoleADPParams.actuator_noise must be a finite number in [0, 1], got 2.0
        """
        if not isinstance(params, CartPoleADPParams):
            raise TypeError(f"params must be a CartPoleADPParams, got {type(params).__name__}")
        check_cartpole_params(params.physics)
        check_settings(params)

    def step_env(self, key, state: CartPoleState, action, params: CartPoleADPParams):
        action = real_action(action, "CartPoleADPJax")
        if action.shape != (1,):
            raise ValueError(f"CartPoleADPJax: action must have shape (1,), got {action.shape}")
        # a NaN passed the clip and made the state NaN, never failing: the pole never fell
        check_known_action_finite(action, "CartPoleADPJax")
        dtype = state.x.dtype
        noise = params.actuator_noise
        gain = 1.0 + jax.random.uniform(key, (), dtype, minval=-noise, maxval=noise)
        force = params.max_force * jnp.clip(action[0].astype(dtype), -1.0, 1.0) * gain
        x, x_dot, theta, theta_dot = cartpole_step(
            state.x, state.x_dot, state.theta, state.theta_dot, force, params.physics
        )
        state = CartPoleState(x, x_dot, theta, theta_dot, state.time + 1)
        terminated = cartpole_failed(x, theta, params.physics)
        truncated = state.time >= params.max_steps
        reward = jnp.where(terminated, -1.0, 0.0).astype(dtype)
        return observation(state), state, reward, terminated, truncated, {}

    def observation_space(self, params=None) -> gymnasium.spaces.Box:
        physics = (self.default_params if params is None else params).physics
        big = np.finfo(np.float32).max
        high = np.array([2 * physics.x_threshold, big, 2 * physics.theta_threshold, big])
        return gymnasium.spaces.Box(-high.astype(np.float32), high.astype(np.float32))

    def action_space(self, params=None) -> gymnasium.spaces.Box:
        return gymnasium.spaces.Box(-1.0, 1.0, (1,), np.float32)
