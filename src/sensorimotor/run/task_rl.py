"""The ``rl`` task: a deep RL agent on a Gymnasium environment (``sensorimotor rl``), one
seed per trial, scored by its greedy mean return over 20 episodes.

>>> RL.settings()["environment"].default
'CartPole-v1'
"""

from __future__ import annotations

from sensorimotor.base.bounds import COUNT
from sensorimotor.run.experiment_settings import Setting, SettingError, Task

__all__ = ["RL"]


def _rl_settings():
    from sensorimotor.run.rl import AGENTS

    return {
        "agent": Setting("str", "streamq", choices=tuple(AGENTS)),
        "environment": Setting("str", "CartPole-v1", help="a Gymnasium id"),
        "steps": Setting("int", 10_000, bounds=COUNT),
        "compiled": Setting("bool", False, help="train on the library's JAX environment"),
    }


def _check_rl(s: dict) -> None:
    import gymnasium

    from sensorimotor.envs import registered_ids
    from sensorimotor.run.rl import AGENTS, JAX_ENVS, check_action_space

    registered_ids()  # the library's own ids
    try:
        gymnasium.spec(s["environment"])
    except Exception:  # gymnasium raises its own NameNotFound / VersionNotFound errors
        raise SettingError(
            "environment", f"no Gymnasium environment {s['environment']!r}"
        ) from None
    try:  # an agent that cannot act there: refused with the file, not when the trial runs
        env = gymnasium.make(s["environment"])
    except Exception:  # not made here (an extra missing): the trial says why
        env = None
    if env is not None:
        try:
            check_action_space(s["agent"], env.action_space)
        except ValueError as err:
            raise SettingError("agent", f"{err} (environment {s['environment']!r})") from None
        finally:
            env.close()
    if s["compiled"]:
        if not hasattr(AGENTS[s["agent"]], "make_train"):
            raise SettingError("compiled", f"{s['agent']} trains through the Python loop only")
        if s["environment"] not in JAX_ENVS:
            raise SettingError(
                "compiled", f"no JAX environment for {s['environment']!r} ({sorted(JAX_ENVS)})"
            )


def _rl(s: dict, seed: int, folder: str | None):
    from sensorimotor.run.rl import train_seeds

    r = train_seeds(
        s["agent"],
        s["environment"],
        seeds=1,
        seed=seed,
        steps=s["steps"],
        compiled=s["compiled"],
        save=folder,
        progress=False,
    )
    return {"return": float(r["returns"][0]), "return_std": float(r["stds"][0])}, {}


RL = Task(_rl_settings, _check_rl, _rl)
