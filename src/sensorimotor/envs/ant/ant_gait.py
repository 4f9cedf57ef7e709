"""MuJoCo's ``Ant-v5`` as a robot that takes joint targets (the ``mujoco`` extra)."""

from __future__ import annotations

import math

import numpy as np

from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, POSITIVE, Bounds, check_value
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel

# The Ant's legs as HDPy's Puppy numbered them front-left, front-right, rear-right,
# rear-left would not match MuJoCo's names, so the names stay MuJoCo's: leg k has its hip
# (a rotation about the vertical) and its ankle (the leg's lift) ``hip_k``, ``ankle_k``.
# Legs 1 and 4 stand at x > 0 (the front, facing +x), legs 2 and 3 at x < 0.
JOINTS = ("hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3", "hip_4", "ankle_4")

ANT_BOUNDS = {
    "substeps": COUNT,
    "kp": POSITIVE,
    "kd": NON_NEGATIVE,
    "reset_noise_scale": NON_NEGATIVE,
}
SEED = Bounds(0, math.inf, True, False, True)  # Gymnasium's reset takes an int >= 0


def _check_seed(seed):
    """``seed`` if it is ``None`` or an int >= 0, else an error naming ``AntGait.seed``
    (``int()`` would truncate 1.5 and take ``True`` as 1)."""
    return seed if seed is None else check_value("AntGait", "seed", seed, SEED)


def _require_mujoco():
    try:
        import gymnasium
        import mujoco  # noqa: F401 - Ant-v5 needs it; say so plainly if it is missing
    except ImportError as err:  # pragma: no cover - the extra is installed in the tests
        raise ImportError("AntGait needs MuJoCo: pip install 'sensorimotor[mujoco]'") from err
    return gymnasium


class AntGait(Environment):
    r"""MuJoCo's ``Ant-v5`` driven by joint targets through a PD controller.

    ``Ant-v5``'s actions are joint torques (``ctrl`` in ``[-1, 1]`` times a gear of 150).
    Each ``execute(m_signal)`` takes the eight joint targets :math:`q^*` (radians,
    channels ``hip_1, ankle_1, ..., hip_4, ankle_4``, clipped to the joints' ranges) and
    holds them for ``substeps`` MuJoCo steps of 0.01 s, recomputing at every step

    .. math::  \mathrm{ctrl} = \mathrm{clip}\big(k_p (q^* - q) - k_d \dot q,\ -1,\ 1\big)

    (the Ant's own position servo: the model has torque motors only). The sensory signal
    is the torso's state after the last step:

    ========  ===========================================================
    channel   meaning
    ========  ===========================================================
    ``x``     forward position (m) from the episode's start (``+x`` is forward)
    ``y``     sideways position (m) from the episode's start
    ``z``     torso height (m); about 0.55 standing
    ``up``    z-component of the torso's vertical axis (1 upright, < 0 flipped)
    ``vx``    forward velocity (m/s)
    ``vy``    sideways velocity (m/s)
    ``time``  seconds since the episode's start
    ========  ===========================================================

    ``reset(seed)`` starts an episode from Gymnasium's ``Ant-v5`` reset (its noise on the
    joints, drawn from ``seed``) and returns the sensory signal there. Config
    (``defcfg``): ``substeps`` 2 (a target every 0.02 s), ``kp`` 5 and ``kd`` 0.1 (in
    ``ctrl`` units per radian and per radian/s), ``reset_noise_scale`` 0.1 (Ant-v5's),
    ``seed`` ``None`` (an int >= 0 seeds the first reset).
    Needs the ``mujoco`` extra; MuJoCo is imported when the environment is made.

    >>> ant = AntGait()
    >>> s = ant.reset(seed=0)
    >>> stand = {'hip_1': 0.0, 'ankle_1': 0.8, 'hip_2': 0.0, 'ankle_2': -0.8,
    ...          'hip_3': 0.0, 'ankle_3': -0.8, 'hip_4': 0.0, 'ankle_4': 0.8}
    >>> for _ in range(50):
    ...     s = ant.execute(stand)['s_signal']
    >>> print(round(s['time'], 2), round(s['z'], 1), s['up'] > 0.99)   # standing
    1.0 0.5 True
    """

    defcfg = {"substeps": 2, "kp": 5.0, "kd": 0.1, "reset_noise_scale": 0.1, "seed": None}

    def __init__(self, cfg=None):
        super().__init__(cfg)
        cfg = self.cfg
        for name, bounds in ANT_BOUNDS.items():
            check_value("AntGait", name, cfg[name], bounds)
        _check_seed(cfg.seed)
        gymnasium = _require_mujoco()
        import mujoco

        self.substeps, self.kp, self.kd = int(cfg.substeps), float(cfg.kp), float(cfg.kd)
        self._gym = gymnasium.make(
            "Ant-v5", reset_noise_scale=float(cfg.reset_noise_scale)
        ).unwrapped
        model = self._gym.model
        self._timestep = float(model.opt.timestep)
        joint = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n) for n in JOINTS]
        self._qadr = np.array([model.jnt_qposadr[j] for j in joint])
        self._vadr = np.array([model.jnt_dofadr[j] for j in joint])
        # the actuators' order is not the joints': map each actuator to its joint
        act_joint = [int(model.actuator_trnid[a, 0]) for a in range(model.nu)]
        self._act = np.array([act_joint.index(j) for j in joint])
        low, high = model.jnt_range[joint, 0], model.jnt_range[joint, 1]
        self.joint_low, self.joint_high = low.astype(np.float64), high.astype(np.float64)
        self.m_channels = [
            Channel(n, (float(lo), float(hi)), unit="rad")
            for n, lo, hi in zip(JOINTS, low, high, strict=True)
        ]
        inf = math.inf
        self.s_channels = [
            Channel("x", (-inf, inf), unit="m"),
            Channel("y", (-inf, inf), unit="m"),
            Channel("z", (0.0, inf), unit="m"),
            Channel("up", (-1.0, 1.0)),
            Channel("vx", (-inf, inf), unit="m/s"),
            Channel("vy", (-inf, inf), unit="m/s"),
            Channel("time", (0.0, inf), unit="s"),
        ]
        self._origin = np.zeros(2)
        self._time = 0.0
        self.reset(seed=cfg.seed)

    @property
    def dt(self) -> float:
        """Seconds per ``execute`` (``substeps`` MuJoCo steps)."""
        return self.substeps * self._timestep

    def reset(self, seed=None) -> dict:
        """Start an episode (Ant-v5's reset, seeded by ``seed``, an int >= 0 or ``None``);
        the sensory signal there."""
        _check_seed(seed)
        self._gym.reset(seed=None if seed is None else int(seed))
        self._origin = np.array(self._gym.data.qpos[:2], dtype=np.float64)
        self._time = 0.0
        return self.s_set.from_array(self.observation())

    def observation(self) -> np.ndarray:
        """The sensory array ``(7,)`` in channel order."""
        qpos, qvel = self._gym.data.qpos, self._gym.data.qvel
        _, qx, qy, _ = qpos[3:7]
        up = 1.0 - 2.0 * (qx * qx + qy * qy)  # the rotation matrix's (z, z) entry
        x, y = qpos[:2] - self._origin
        return np.array(
            [x, y, max(float(qpos[2]), 0.0), np.clip(up, -1.0, 1.0), qvel[0], qvel[1], self._time]
        )

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        return np.clip(m_array, self.joint_low, self.joint_high)

    def _execute_vector(self, m: np.ndarray, meta=None) -> np.ndarray:
        data = self._gym.data
        ctrl = np.zeros(len(JOINTS))
        for _ in range(self.substeps):
            torque = self.kp * (m - data.qpos[self._qadr]) - self.kd * data.qvel[self._vadr]
            ctrl[self._act] = np.clip(torque, -1.0, 1.0)
            self._gym.do_simulation(ctrl, 1)
        self._time += self.dt
        return self.observation()

    def _execute(self, m_signal: dict, meta=None) -> dict:
        m = self._motor_command(np.array([m_signal[n] for n in JOINTS], dtype=np.float64))
        return self.s_set.from_array(self._execute_vector(m, meta))

    def _close(self) -> None:
        self._gym.close()

    def __repr__(self) -> str:
        return f"AntGait(substeps={self.substeps}, kp={self.kp}, kd={self.kd})"


__doctest_requires__ = ("mujoco",)  # the root conftest skips the doctests without it

__all__ = ["AntGait", "JOINTS"]
