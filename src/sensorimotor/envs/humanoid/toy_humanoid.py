"""The robot-learning lesson's toy humanoid as a functional JAX environment."""

from typing import NamedTuple

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.envs.action_checks import check_known_action_finite, real_action
from sensorimotor.envs.bridge.to_gym import box_space
from sensorimotor.envs.humanoid.toy_humanoid_dynamics import (
    N_JOINTS,
    ToyHumanoidParams,
    check_toy_humanoid_params,
    discrete_torques,
    toy_humanoid_bounds,
    toy_humanoid_reward,
    toy_humanoid_step,
)
from sensorimotor.envs.jax_env import JaxEnv


class ToyHumanoidState(NamedTuple):
    """Joint angles and velocities ``(12,)`` (angles first), and the steps taken.

    >>> import jax
    >>> obs, state = ToyHumanoid().reset(jax.random.key(0))
    >>> state.joints.shape, int(state.time)
    ((12,), 0)
    """

    joints: jax.Array
    time: jax.Array


class ToyHumanoid(JaxEnv):
    """The lesson's toy humanoid, repaired, under the ``JaxEnv`` protocol.

    ==============  ==================================================================
    observation     6 joint angles then 6 velocities, shape ``(12,)``
    action          6 torques in ``[-1, 1]`` (clipped), or with ``discrete_actions``
                    an int in ``[0, 13)``: 0 no torque, ``1 + 2j`` +1 on joint ``j``,
                    ``2 + 2j`` -1 on it (see ``discrete_torques``)
    reward          ``-|q[:3] - (1, 0, 0.8)| + 0.1 [q[2] > 0.5] - 0.5 #{|q_j| > 1.5}``
                    (see ``toy_humanoid_reward``), of the state after the step
    terminated      never
    truncated       after ``max_steps`` = 100 steps
    start           each of the 12 variables uniform in ``+-init_range`` = 0.1
    ==============  ==================================================================

    The step is ``toy_humanoid_step``, the one the Gymnasium face
    (``sensorimotor/ToyHumanoid-v0``) takes too. What the lesson got wrong and is
    repaired here: the torque applied is the agent's action (the lesson's loop applied
    random noise and stored the agent's choice); its DQN picked one of 6 indices for a
    6-dimensional continuous action (here a documented set of 13 discrete actions); the
    100-step end is a truncation, not a terminal state; the start is seeded.

    A discrete action outside ``[0, 13)``, or a NaN or infinite torque, is refused
    (``ValueError`` naming ``action``) by the Gymnasium face and by a call outside ``jit``
    or ``vmap``; compiled code cannot raise, and there JAX's indexing picks a row: -13 to
    -1 count from the end (-1 is action 12), 13 and beyond are action 12, below -13
    action 0 (a non-finite torque makes the state non-finite). A discrete action that is
    not an integer (a float, a bool) is a ``TypeError`` naming ``action``, compiled or not.

    >>> import jax
    >>> env = ToyHumanoid()
    >>> obs, state = env.reset(jax.random.key(0))
    >>> obs, state, reward, terminated, truncated, _ = env.step(None, state, jnp.ones(6))
    >>> obs.shape, bool(reward < -1.0), bool(terminated), int(state.time)
    ((12,), True, False, 1)
    """

    def __init__(self, discrete_actions: bool = False):
        if not isinstance(discrete_actions, bool):
            raise TypeError(f"discrete_actions must be a bool, got {discrete_actions!r}")
        self.discrete_actions = discrete_actions
        self._table = discrete_torques()

    @property
    def name(self) -> str:
        return "ToyHumanoidDiscrete" if self.discrete_actions else "ToyHumanoid"

    @property
    def default_params(self) -> ToyHumanoidParams:
        return ToyHumanoidParams()

    def check_params(self, params) -> None:
        """``ToyHumanoidParams`` in their bounds (``check_toy_humanoid_params``).

        >>> ToyHumanoid().check_params(ToyHumanoidParams(target=(1.0, 2.0)))
        Traceback (most recent call last):
        ...
        ValueError: ToyHumanoidParams.target must be 3 finite numbers, got (1.0, 2.0)
        """
        check_toy_humanoid_params(params)

    def reset_env(self, key, params: ToyHumanoidParams):
        dtype = jnp.zeros(()).dtype
        r = params.init_range
        joints = jax.random.uniform(key, (2 * N_JOINTS,), dtype, minval=-r, maxval=r)
        state = ToyHumanoidState(joints, jnp.zeros((), jnp.int32))
        return state.joints, state

    def torque(self, action) -> jax.Array:
        """The torques an action applies (a discrete action looked up in the table; out of
        ``[0, 13)`` refused here, wrapped or clamped under ``jit``: see the class).

        >>> env = ToyHumanoid(discrete_actions=True)
        >>> env.torque(3).tolist(), jax.jit(env.torque)(-1).tolist() == env.torque(12).tolist()
        ([0.0, 1.0, 0.0, 0.0, 0.0, 0.0], True)
        """
        if self.discrete_actions:
            action = jnp.asarray(action)
            if action.shape != ():
                raise ValueError(f"{self.name}: action must be a scalar, got shape {action.shape}")
            # the dtype is known even under jit: a float would fail inside JAX's indexing
            # with a message that does not name the action, and a bool would index as a mask
            if not jnp.issubdtype(action.dtype, jnp.integer):
                raise TypeError(f"{self.name}: action must be an int, got dtype {action.dtype}")
            # a traced action cannot raise (indexing then wraps or clamps it, see the class);
            # a value known here, an eager call's, is checked
            n = len(self._table)
            known = not isinstance(action, jax.core.Tracer)
            if known and not 0 <= int(action) < n:
                raise ValueError(
                    f"{self.name}: action must be an int in [0, {n}), got {int(action)}"
                )
            return jnp.asarray(self._table)[action]
        action = real_action(action, self.name)
        if action.shape != (N_JOINTS,):
            raise ValueError(f"{self.name}: action must have shape (6,), got {action.shape}")
        check_known_action_finite(action, self.name, "torques")
        return action

    def step_env(self, key, state: ToyHumanoidState, action, params: ToyHumanoidParams):
        torque = self.torque(action).astype(state.joints.dtype)
        joints = toy_humanoid_step(state.joints, torque, params)
        state = ToyHumanoidState(joints, state.time + 1)
        reward = toy_humanoid_reward(joints, params).astype(joints.dtype)
        terminated = jnp.zeros((), bool)
        truncated = state.time >= params.max_steps
        return joints, state, reward, terminated, truncated, {}

    def observation_space(self, params=None) -> gymnasium.spaces.Box:
        high = toy_humanoid_bounds(self.default_params if params is None else params)
        return box_space(-high, high, np.float32)

    def action_space(self, params=None):
        if self.discrete_actions:
            return gymnasium.spaces.Discrete(len(self._table))
        return gymnasium.spaces.Box(-1.0, 1.0, (N_JOINTS,), np.float32)

    def __repr__(self) -> str:
        return f"ToyHumanoid(discrete_actions={self.discrete_actions})"
