"""Every Environment of the library, found automatically, passes the conformance suite.

A class that cannot be built without arguments needs a factory in ``FACTORIES``; one with
neither fails ``test_every_environment_class_can_be_built``, so a new environment cannot
skip the suite. Every Gymnasium environment registered under ``sensorimotor/`` is also
bridged back with ``GymEpisodeEnvironment`` and checked.
"""

import importlib
import inspect
import pkgutil
from typing import NamedTuple

import pytest

import sensorimotor
import sensorimotor.envs
from sensorimotor.envs import (
    AntGait,
    CartPoleADP,
    Distractor,
    Environment,
    EnvironmentGymEnv,
    Epuck2D,
    GymEpisodeEnvironment,
    GymStepEnvironment,
    KinematicArm2D,
    check_environment,
    registered_ids,
)
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS


class Factory(NamedTuple):
    make: object  # () -> Environment
    deterministic: bool = True


def _ant():
    pytest.importorskip("mujoco")  # the mujoco extra
    return AntGait({"seed": 0})


# class -> factories (several configurations of one class may be checked)
FACTORIES = {
    AntGait: [Factory(_ant, deterministic=False)],  # a robot, as the ePuck
    CartPoleADP: [  # a plant with a state: the same force gives another output
        Factory(lambda: CartPoleADP({"seed": 0}), deterministic=False),
        Factory(lambda: CartPoleADP({"seed": 1, "actuator_noise": 0.05}), deterministic=False),
    ],
    Epuck2D: [  # a robot: where it ends up depends on where it was
        Factory(Epuck2D, deterministic=False),
        Factory(
            lambda: Epuck2D({"obstacles": [[(2, 2), (4, 2), (3, 4)]], "step_length": 0.5}),
            deterministic=False,
        ),
    ],
    Distractor: [  # the distractor drifts: the same command gives another output
        Factory(Distractor, deterministic=False),
        Factory(lambda: Distractor({"env": KinematicArm2D({"dim": 2}), "drift": 0.5}), False),
    ],
    KinematicArm2D: [
        Factory(KinematicArm2D),
        Factory(KinematicArm2D.mid7),
        Factory(lambda: KinematicArm2D({"dim": 2, "lengths": [0.3, 0.7], "origin": (1, -1)})),
    ],
    GymEpisodeEnvironment: [
        Factory(lambda: GymEpisodeEnvironment({"env": "CartPole-v1", "max_steps": 100})),
        Factory(
            lambda: GymEpisodeEnvironment(
                {"env": "Pendulum-v1", "max_steps": 30, "with_return": True}
            )
        ),
        Factory(  # every episode from a new start: not a function of the motor signal
            lambda: GymEpisodeEnvironment(
                {"env": "Pendulum-v1", "max_steps": 30, "vary_start": True}
            ),
            deterministic=False,
        ),
        Factory(lambda: GymEpisodeEnvironment({"env": EnvironmentGymEnv(KinematicArm2D.arm20())})),
    ],
    GymStepEnvironment: [  # a robot: each step goes on from where the last one left
        Factory(lambda: GymStepEnvironment("Pendulum-v1"), deterministic=False),
        Factory(lambda: GymStepEnvironment("MountainCarContinuous-v0"), deterministic=False),
    ],
}


def environment_classes() -> list[type]:
    """Concrete Environment subclasses exported by, or defined in a module of, sensorimotor.envs."""
    found = {
        obj
        for obj in (
            *(getattr(sensorimotor.envs, n) for n in sensorimotor.envs.__all__),
            *(getattr(sensorimotor, n) for n in sensorimotor.__all__),
        )
        if inspect.isclass(obj) and issubclass(obj, Environment)
    }
    for mod in pkgutil.walk_packages(sensorimotor.envs.__path__, "sensorimotor.envs."):
        module = importlib.import_module(mod.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Environment)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.add(obj)
    concrete = {c for c in found if c._execute is not Environment._execute}
    return sorted(concrete, key=lambda c: c.__qualname__)


# the Ant's episodes are 1000 MuJoCo gait steps (20 s simulated): 100 check the same things
GYM_KWARGS = {"sensorimotor/AntGait-v0": {"max_steps": 100}}


def cases():
    out = []
    for cls in environment_classes():
        factories = FACTORIES.get(cls, [Factory(cls)])
        out += [pytest.param(f, id=f"{cls.__name__}-{i}") for i, f in enumerate(factories)]
    for env_id in registered_ids():
        kwargs = GYM_KWARGS.get(env_id, {})
        make = lambda env_id=env_id, kw=kwargs: GymEpisodeEnvironment(  # noqa: E731
            {"env": env_id, "env_kwargs": kw}
        )
        out.append(pytest.param(Factory(make), id=f"gym:{env_id}"))
    return out


def test_discovery_finds_the_known_environments():
    classes = environment_classes()
    assert KinematicArm2D in classes and GymEpisodeEnvironment in classes
    assert Environment not in classes  # abstract: no _execute
    assert "sensorimotor/ArmReach-v0" in registered_ids()


def missing_factory(cls) -> str | None:
    """Why ``cls`` cannot be checked (no factory and no argument-free construction), or None."""
    if cls in FACTORIES:
        return None
    try:
        cls().close()
    except Exception as err:
        return (
            f"{cls.__qualname__} cannot be built without arguments ({type(err).__name__}: {err}); "
            "add a factory for it to FACTORIES in tests/envs/test_conformance.py"
        )
    return None


@pytest.mark.parametrize("cls", environment_classes(), ids=lambda c: c.__name__)
def test_every_environment_class_can_be_built(cls):
    problem = missing_factory(cls)
    if problem:
        pytest.fail(problem)


def test_a_class_needing_cfg_without_factory_is_reported():
    class NeedsPort(KinematicArm2D):
        defcfg = {**KinematicArm2D.defcfg, "port": None}

        def __init__(self, cfg=None):
            super().__init__(cfg)
            if self.cfg.port is None:
                raise ValueError("NeedsPort: give a port")

    assert "add a factory for it to FACTORIES" in missing_factory(NeedsPort)
    assert missing_factory(KinematicArm2D) is None


@pytest.mark.parametrize("factory", cases())
def test_environment_conforms(factory):
    """Every check ran: each passed but the two that compare executions, which are skipped
    only for the reason that applies (a report missing checks, or skipping the determinism
    check of a deterministic environment, passed the count of skips that stood here)."""
    report = check_environment(factory.make, deterministic=factory.deterministic)  # raises
    assert list(report) == [check.__name__ for check in ENVIRONMENT_CHECKS]
    env = factory.make()
    batch = env.has_batch_path
    env.close()
    not_deterministic = "skipped: not deterministic"
    expected = dict.fromkeys(report, "passed") | {
        "check_batch_matches_single": (
            "skipped: no batch path"
            if not batch
            else "passed"
            if factory.deterministic
            else not_deterministic
        ),
        "check_deterministic": "passed" if factory.deterministic else not_deterministic,
    }
    assert report == expected
