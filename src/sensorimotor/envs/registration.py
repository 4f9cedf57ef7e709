"""The library's environments registered with Gymnasium under the ``sensorimotor/`` namespace."""

import importlib.util

import gymnasium

NAMESPACE = "sensorimotor"

# id -> (entry point, default kwargs, max_episode_steps or None)
GYM_ENVS = {
    f"{NAMESPACE}/ArmReach-v0": (
        "sensorimotor.envs.arm.arm_reach:ArmReachEnv",
        {"arm": "mid7"},
        None,
    ),
    # Si and Wang's success criterion: balanced for 6000 steps
    f"{NAMESPACE}/CartPoleADP-v0": (
        "sensorimotor.envs.cartpole.cartpole_adp_gym:CartPoleADPEnv",
        {},
        6000,
    ),
    # the toy humanoid truncates its own episodes (100 steps)
    f"{NAMESPACE}/ToyHumanoid-v0": (
        "sensorimotor.envs.humanoid.toy_humanoid_gym:ToyHumanoidEnv",
        {},
        None,
    ),
    f"{NAMESPACE}/ToyHumanoidDiscrete-v0": (
        "sensorimotor.envs.humanoid.toy_humanoid_gym:ToyHumanoidEnv",
        {"discrete_actions": True},
        None,
    ),
    f"{NAMESPACE}/Epuck2D-v0": ("sensorimotor.envs.epuck.epuck_gym:Epuck2DEnv", {}, None),
    # truncates its own episodes (1000 steps, 20 s)
    f"{NAMESPACE}/AntGait-v0": ("sensorimotor.envs.ant.ant_gait_gym:AntGaitEnv", {}, None),
}

# ids that need an optional package (an extra): registered only where it is installed
REQUIRES = {f"{NAMESPACE}/AntGait-v0": "mujoco"}


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def register_envs() -> list[str]:
    """Register every environment of ``GYM_ENVS`` with Gymnasium (once); return their ids.
    One that needs an optional package (``REQUIRES``: the Ant needs MuJoCo, the ``mujoco``
    extra) is registered only where that package is installed.

    Called when ``sensorimotor.envs`` is imported; calling it again does nothing.

    >>> ids = register_envs()
    >>> ids[:2], all(i in gymnasium.registry for i in ids)
    (['sensorimotor/ArmReach-v0', 'sensorimotor/CartPoleADP-v0'], True)
    """
    ids = [i for i in GYM_ENVS if i not in REQUIRES or _installed(REQUIRES[i])]
    for env_id in ids:
        entry_point, kwargs, max_episode_steps = GYM_ENVS[env_id]
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                entry_point=entry_point,
                kwargs=dict(kwargs),
                max_episode_steps=max_episode_steps,
            )
    return ids


def registered_ids() -> list[str]:
    """Every id in Gymnasium's registry in the ``sensorimotor/`` namespace (sorted).

    >>> ids = registered_ids()
    >>> 'sensorimotor/ArmReach-v0' in ids, ids == sorted(ids)
    (True, True)
    """
    return sorted(i for i in gymnasium.registry if i.startswith(f"{NAMESPACE}/"))
