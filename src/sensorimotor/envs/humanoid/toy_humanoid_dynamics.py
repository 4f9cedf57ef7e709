"""The robot-learning lesson's toy humanoid: its step and reward, once, over the array API."""

from typing import NamedTuple

import numpy as np

from sensorimotor.base.bounds import COUNT, FINITE, NON_NEGATIVE, POSITIVE, check_settings
from sensorimotor.rules.array_namespace import namespace

N_JOINTS = 6


class ToyHumanoidParams(NamedTuple):
    """The toy humanoid's constants, the lesson's by default.

    ``dt`` the Euler step, ``target`` the point the first three joint angles should
    reach, a ``height_bonus`` while the third exceeds ``height``, a ``joint_penalty`` per
    joint beyond ``+-joint_limit``, ``max_steps`` per episode (truncation), and the start
    uniform in ``+-init_range`` for the 12 state variables.

    With the lesson's constants no joint can pass the limit: within 100 steps from
    ``+-0.1`` the angles stay inside ``+-0.695`` (``toy_humanoid_bounds``), so the joint
    penalty never applies, in the lesson as here; it does with a longer ``max_steps`` or
    a wider ``init_range``.

    >>> params = ToyHumanoidParams(max_steps=200, init_range=0.2)
    >>> params.target, check_toy_humanoid_params(params).max_steps
    ((1.0, 0.0, 0.8), 200)
    >>> check_toy_humanoid_params(ToyHumanoidParams(dt=0.0))
    Traceback (most recent call last):
    ...
    ValueError: ToyHumanoidParams.dt must be ...
    """

    dt: float = 0.01
    target: tuple = (1.0, 0.0, 0.8)
    height: float = 0.5
    height_bonus: float = 0.1
    joint_limit: float = 1.5
    joint_penalty: float = 0.5
    max_steps: int = 100
    init_range: float = 0.1

    BOUNDS = {
        "dt": POSITIVE,
        "height": FINITE,
        "height_bonus": FINITE,
        "joint_limit": NON_NEGATIVE,
        "joint_penalty": FINITE,
        "max_steps": COUNT,
        "init_range": NON_NEGATIVE,
    }


LESSON_PARAMS = ToyHumanoidParams()  # the lesson's constants, the default of the functions


def toy_humanoid_step(state, torque, params: ToyHumanoidParams = LESSON_PARAMS):
    """One Euler step of the toy humanoid: joint angles ``q`` (the first 6 of ``state``)
    and velocities ``v`` (the last 6) under torques clipped to ``[-1, 1]``::

        q+ = q + dt v,    v+ = v + dt clip(torque, -1, 1)

    (the positions move with the velocities of before the step, as in the lesson).
    ``state`` has shape ``(12,)``, ``torque`` ``(6,)``; NumPy or JAX, from ``state``.

    >>> state = toy_humanoid_step(np.zeros(12), np.array([1.0, -3.0, 0, 0, 0, 0]))
    >>> state[6:8].tolist()  # the second torque is clipped to -1
    [0.01, -0.01]
    """
    xp = namespace(state)
    q, v = state[:N_JOINTS], state[N_JOINTS:]
    torque = xp.clip(torque, -1.0, 1.0)
    return xp.concat([q + params.dt * v, v + params.dt * torque])


def toy_humanoid_reward(state, params: ToyHumanoidParams = LESSON_PARAMS):
    """The lesson's reward for a state (after the step)::

        r = -|q[:3] - target| + height_bonus [q[2] > height]
            - joint_penalty #{j : |q_j| > joint_limit}

    >>> round(float(toy_humanoid_reward(np.zeros(12))), 4)  # distance to (1, 0, 0.8)
    -1.2806
    """
    xp = namespace(state)
    q = state[:N_JOINTS]
    d = q[:3] - xp.asarray(params.target, dtype=state.dtype)
    distance = xp.sqrt(xp.sum(d * d))
    bonus = xp.where(q[2] > params.height, params.height_bonus, 0.0)
    beyond = xp.sum(xp.where(xp.abs(q) > params.joint_limit, 1.0, 0.0))
    return -distance + bonus - params.joint_penalty * beyond


def toy_humanoid_bounds(params: ToyHumanoidParams = LESSON_PARAMS) -> np.ndarray:
    """The largest ``|state|`` an episode can reach, per variable, shape ``(12,)``.

    With the start in ``+-r``, torques in ``[-1, 1]`` and ``T = max_steps``::

        |v_t| <= r + dt t,    |q_T| <= r + dt sum_{t<T} (r + dt t) = r (1 + dt T) + dt^2 T (T - 1) / 2

    >>> toy_humanoid_bounds()[[0, 6]].round(4).tolist()
    [0.695, 1.1]
    """
    r, dt, steps = params.init_range, params.dt, params.max_steps
    q = r * (1.0 + dt * steps) + dt * dt * steps * (steps - 1) / 2.0
    v = r + dt * steps
    return np.array([q] * N_JOINTS + [v] * N_JOINTS, dtype=np.float64)


def discrete_torques() -> np.ndarray:
    """The 13 discrete actions as torques, shape ``(13, 6)``: action 0 applies none;
    action ``1 + 2j`` applies +1 on joint ``j``, action ``2 + 2j`` applies -1 on it.

    >>> table = discrete_torques()
    >>> table.shape, table[3].tolist(), table[4].tolist()
    ((13, 6), [0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0, 0.0, 0.0])
    """
    table = np.zeros((1 + 2 * N_JOINTS, N_JOINTS))
    for j in range(N_JOINTS):
        table[1 + 2 * j, j] = 1.0
        table[2 + 2 * j, j] = -1.0
    return table


def check_toy_humanoid_params(params: ToyHumanoidParams) -> ToyHumanoidParams:
    """``params`` if every constant is inside its bounds and ``target`` is three finite
    numbers; else an error naming the constant.

    >>> check_toy_humanoid_params(ToyHumanoidParams(max_steps=0))
    Traceback (most recent call last):
    ...
    ValueError: ToyHumanoidParams.max_steps must be an int in [1, inf), got 0
    """
    if not isinstance(params, ToyHumanoidParams):
        raise TypeError(f"params must be a ToyHumanoidParams, got {type(params).__name__}")
    check_settings(params)
    parts = params.target if isinstance(params.target, tuple | list) else (params.target,)
    if any(hasattr(t, "aval") for t in parts):  # traced under jit: not known here
        return params
    try:
        target = np.asarray(params.target, dtype=np.float64)
    except (TypeError, ValueError):
        target = np.zeros(0)
    if target.shape != (3,) or not np.all(np.isfinite(target)):
        raise ValueError(
            f"ToyHumanoidParams.target must be 3 finite numbers, got {params.target!r}"
        )
    return params
