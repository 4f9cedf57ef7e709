"""``sensorimotor bc``: clone a saved expert from a few of its episodes, by behavioural
cloning or DAgger, and score the clone beside the expert; and demonstrations read from an
observation log (its sensors ``s`` the observations, its motors ``m`` the actions).

>>> import tempfile, os
>>> from sensorimotor.agents import Reinforce
>>> folder = tempfile.mkdtemp()
>>> Reinforce("CartPole-v1", seed=0, net_arch=[8]).save(os.path.join(folder, "e.npz"))
>>> result = clone_expert("CartPole-v1", os.path.join(folder, "e.npz"), 1, gradient_steps=50)
>>> print(result["method"], result["expert"] > 0, result["clone"] > 0)
bc True True
"""

from __future__ import annotations

import time

from sensorimotor.agents import (
    Agent,
    BehavioralCloning,
    DAgger,
    Demonstrations,
    collect_demonstrations,
    evaluate,
)
from sensorimotor.base.bounds import check_count
from sensorimotor.run.observation_log import read_log
from sensorimotor.run.progress import progress as progress_iter

__all__ = ["clone_expert", "read_demonstrations"]

EVAL_EPISODES = 20
DEMO_SEED = 10_000  # the expert's episodes start apart from the evaluation's (seeds 0..19)


def read_demonstrations(path) -> Demonstrations:
    """The records of the observation log at ``path`` as demonstrations: its sensory
    arrays ``s`` the observations, its motor arrays ``m`` the actions.

    A log record pairs a motor command ``m`` with the feedback ``s`` that executing it
    produced (``log.append(env.execute(m))``), so each pair is (outcome, command): the
    data of an inverse model, and a policy's data for a plant without state (an arm
    whose pose is a function of its command). For a plant with state, where the command
    ``m_t`` was chosen on the previous feedback, a policy needs ``s[:-1]`` paired with
    ``m[1:]`` within each episode; this function does not shift them.

    >>> import os, tempfile
    >>> from sensorimotor import KinematicArm2D
    >>> from sensorimotor.run import ObservationLog
    >>> arm = KinematicArm2D({'dim': 2})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, 'arm.h5')
    ...     with ObservationLog(path, arm.m_channels, arm.s_channels) as log:
    ...         for angle in range(6):
    ...             log.append(arm.execute({'j0': 10.0 * angle, 'j1': -5.0 * angle}))
    ...     demos = read_demonstrations(path)
    >>> len(demos), demos.observations.shape, demos.actions[-1].tolist()
    (6, (6, 2), [50.0, -25.0])
    """
    records = read_log(path)
    return Demonstrations(records.s, records.m)


def clone_expert(
    env_id: str,
    expert_path,
    episodes: int,
    *,
    seed: int = 0,
    dagger: bool = False,
    save=None,
    progress: bool = False,
    **hyperparameters,
) -> dict:
    """Clone the agent saved at ``expert_path`` on ``env_id`` from ``episodes`` expert
    episodes: behavioural cloning on them, or DAgger with one episode per round. Returns
    ``{"method", "expert", "clone", "seconds"}`` (greedy mean returns over 20 episodes;
    ``seconds`` of collecting and training). ``progress``: progress bars on stderr (the
    gradient steps of behavioural cloning, DAgger's rounds). An expert whose spaces are
    not ``env_id``'s is a ``ValueError`` before any work.

    >>> import os, tempfile
    >>> from sensorimotor.agents import Reinforce
    >>> tmp = tempfile.TemporaryDirectory()
    >>> expert = os.path.join(tmp.name, "expert.npz")
    >>> Reinforce("CartPole-v1", seed=0, net_arch=[8]).save(expert)
    >>> result = clone_expert("CartPole-v1", expert, 2, dagger=True, net_arch=[8])
    >>> print(result["method"], result["clone"] > 0)
    dagger True
    >>> clone_expert("MountainCar-v0", expert, 2)
    Traceback (most recent call last):
    ...
    ValueError: env: its observation shape and action count ((2,), 3) differ from the saved agent's ((4,), 2) (...expert.npz)
    >>> tmp.cleanup()
    """
    episodes = check_count("--episodes", episodes)
    # loaded on the env: an expert of another env is refused here, naming both spaces,
    # not by its predict on the first observation of the wrong shape
    expert = Agent.load(expert_path, env=env_id)
    start = time.perf_counter()
    if dagger:
        clone = DAgger(env_id, expert, seed=seed, **hyperparameters)
        # one round at a time (the same rounds as learn(episodes)), for the bar
        for _ in progress_iter(range(episodes), desc="DAgger rounds", disable=not progress):
            clone.learn(1)
    else:
        clone = BehavioralCloning(env_id, seed=seed, **hyperparameters)
        demos, _ = collect_demonstrations(expert, env_id, episodes, seed=DEMO_SEED)
        clone.learn(demos, progress_bar=progress)
    seconds = time.perf_counter() - start
    if save is not None:
        clone.save(save)
    return {
        "method": "dagger" if dagger else "bc",
        "expert": evaluate(expert, env_id, EVAL_EPISODES)[0],
        "clone": evaluate(clone, env_id, EVAL_EPISODES)[0],
        "seconds": seconds,
    }
