"""The ``adhdp`` task: the ePuck's collision avoidance or the cart-pole (``sensorimotor
adhdp``), one run per trial.

>>> ADHDP.settings()["agent"].default
'epuck'
"""

from __future__ import annotations

import numpy as np

from sensorimotor.base.bounds import COUNT
from sensorimotor.run.experiment_settings import (
    Component,
    Setting,
    SettingError,
    Task,
    component_fields,
    guarded,
    typed_fields,
)

__all__ = ["ADHDP"]


def _adhdp_agents():
    from sensorimotor.run.adhdp.adhdp_cartpole import CartPoleSettings
    from sensorimotor.run.adhdp.adhdp_epuck import EpuckSettings

    return {
        "epuck": Component(EpuckSettings, EpuckSettings._fields),
        "cartpole": Component(CartPoleSettings, CartPoleSettings._fields),
    }


def _adhdp_settings():
    return {
        "agent": Setting("component", "epuck", choices=_adhdp_agents()),
        "episodes": Setting("int", 50, bounds=COUNT, help="epuck: episodes per run"),
        "max_trials": Setting("int", 100, bounds=COUNT, help="cartpole: trials allowed"),
        "log": Setting("bool", False, help="write each trial's episodes to HDF5"),
    }


def _make_adhdp(component: dict):
    return typed_fields(_adhdp_agents()[component["name"]].make, component_fields(component))


def _check_adhdp(s: dict) -> None:
    agent = guarded("agent", _make_adhdp, s["agent"])
    if s["agent"]["name"] == "epuck" and agent.actor not in ("bruteforce", "gradient"):
        raise SettingError(
            "agent", f"actor must be 'bruteforce' or 'gradient', got {agent.actor!r}"
        )
    if s["agent"]["name"] == "cartpole" and agent.critic not in ("rls_td", "rls"):
        raise SettingError("agent", f"critic must be 'rls_td' or 'rls', got {agent.critic!r}")


def _adhdp(s: dict, seed: int, folder: str | None):
    agent = _make_adhdp(s["agent"])
    out = folder if s["log"] else None
    if s["agent"]["name"] == "epuck":
        from sensorimotor.run.adhdp.adhdp_epuck import epuck_experiment

        r = epuck_experiment(1, seed, s["episodes"], out=out, settings=agent, show_progress=False)
        metrics = {
            f"{n}_{m}": r[f"{n}_{m}"]
            for n in ("learned", "frozen", "random")
            for m in ("median_length", "collision_rate")
        }
        curves = {
            f"{n}_length": np.asarray(r[f"{n}_lengths"][0], dtype=np.float64)
            for n in ("learned", "frozen", "random")
        }
        curves["step"] = np.arange(1.0, s["episodes"] + 1)
        return metrics, curves
    from sensorimotor.run.adhdp.adhdp_cartpole import cartpole_experiment

    r = cartpole_experiment(1, seed, s["max_trials"], out=out, settings=agent, show_progress=False)
    trials = r["trials"][0]
    lengths = np.asarray(r["_lengths"][0], dtype=np.float64)
    metrics = {
        "balanced": float(trials is not None),
        "trials": float("nan") if trials is None else float(trials),
        "longest_trial": float(r["longest_trials"][0]),
    }
    return metrics, {"step": np.arange(1.0, len(lengths) + 1), "trial_length": lengths}


ADHDP = Task(_adhdp_settings, _check_adhdp, _adhdp)
