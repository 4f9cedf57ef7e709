"""The library's environments registered with Gymnasium under the ``sensorimotor/`` namespace."""

import gymnasium

NAMESPACE = "sensorimotor"

# id -> (entry point, default kwargs)
GYM_ENVS = {
    f"{NAMESPACE}/ArmReach-v0": ("sensorimotor.envs.arm_reach:ArmReachEnv", {"arm": "mid7"}),
    f"{NAMESPACE}/Epuck2D-v0": ("sensorimotor.envs.epuck_gym:Epuck2DEnv", {}),
}


def register_envs() -> list[str]:
    """Register every environment of ``GYM_ENVS`` with Gymnasium (once); return their ids.

    Called when ``sensorimotor.envs`` is imported; calling it again does nothing.

    >>> ids = register_envs()
    >>> 'sensorimotor/Epuck2D-v0' in ids, ids[0] in gymnasium.registry
    (True, True)
    """
    for env_id, (entry_point, kwargs) in GYM_ENVS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs))
    return list(GYM_ENVS)


def registered_ids() -> list[str]:
    """Every id in Gymnasium's registry in the ``sensorimotor/`` namespace (sorted)."""
    return sorted(i for i in gymnasium.registry if i.startswith(f"{NAMESPACE}/"))
