"""``sensorimotor rl``: train an agent on an environment over several seeds and score each
seed's greedy policy, through the Python loop or compiled.

Each seed trains with the agent's settings for the environment (rl-baselines3-zoo's where
the zoo has them, else the agent's defaults) for ``steps`` environment steps (the zoo's
run length by default) and is scored by the mean return of 20 greedy episodes of the
Gymnasium environment.

>>> result = train_seeds("dqn", "CartPole-v1", seeds=1, steps=300, progress=False)
>>> print(len(result["returns"]), result["returns"][0] > 0)
1 True
"""

from __future__ import annotations

import os
import time

import jax

from sensorimotor.agents import DQN, ZOO, Reinforce, StreamAC, StreamQ, evaluate, zoo_settings
from sensorimotor.base.bounds import check_count, check_seed_range
from sensorimotor.base.devices import vmap_over_devices
from sensorimotor.envs import CartPole, ToyHumanoid
from sensorimotor.run.output_paths import output_folder
from sensorimotor.run.progress import progress

AGENTS = {"dqn": DQN, "reinforce": Reinforce, "streamq": StreamQ, "streamac": StreamAC}
#: Gymnasium id -> the library's JAX environment with the same dynamics (for --compiled)
JAX_ENVS = {"CartPole-v1": CartPole, "sensorimotor/ToyHumanoid-v0": ToyHumanoid}
DEFAULT_STEPS = 50_000
EVAL_EPISODES = 20
#: agents that act in a Discrete action space only (a Q-value per action); the others take
#: a Discrete or a 1-D Box one
DISCRETE_ONLY = frozenset({"dqn", "streamq"})


def check_action_space(agent: str, space) -> None:
    """A ``ValueError`` when ``agent`` cannot act in the action space ``space``, before any
    environment is stepped (an experiment file's trial failed only once it ran).

    >>> import gymnasium as gym
    >>> check_action_space("streamq", gym.spaces.Box(-2.0, 2.0, (1,)))
    Traceback (most recent call last):
    ...
    ValueError: streamq needs a Discrete action space, got Box(-2.0, 2.0, (1,), float32)
    """
    import gymnasium as gym

    discrete = isinstance(space, gym.spaces.Discrete)
    if agent in DISCRETE_ONLY and not discrete:
        raise ValueError(f"{agent} needs a Discrete action space, got {space}")
    if not discrete and not (isinstance(space, gym.spaces.Box) and len(space.shape) == 1):
        raise ValueError(f"{agent} needs a Discrete or a 1-D Box action space, got {space}")


def default_steps(agent: str, env_id: str) -> int:
    """The zoo's run length for ``agent`` on ``env_id``, else 50k steps.

    >>> default_steps("dqn", "CartPole-v1")
    50000
    """
    return int(
        ZOO.get(AGENTS[agent].__name__, {}).get(env_id, {}).get("n_timesteps", DEFAULT_STEPS)
    )


def train_seeds(
    agent: str,
    env_id: str,
    seeds: int = 1,
    seed: int = 0,
    steps: int | None = None,
    compiled: bool = False,
    save: str | None = None,
    progress: bool = True,
) -> dict:
    """Train seeds ``seed .. seed + seeds - 1``; returns ``{"seeds", "returns", "stds",
    "seconds"}`` (``seconds``: training wall time, all seeds). ``save``: a folder that gets
    one file per seed, ``seed-<seed>.npz``, that ``Agent.load`` reads (a compiled run saves
    the trained network; its replay buffer stays in the compiled loop), made once every
    setting and the environment are checked and before any training."""
    if agent not in AGENTS:
        raise ValueError(f"agent must be one of {sorted(AGENTS)}, got {agent!r}")
    cls = AGENTS[agent]
    seeds = check_count("--seeds", seeds)
    seed = check_seed_range("--seed", seed, seeds)
    steps = default_steps(agent, env_id) if steps is None else check_count("--steps", steps)
    if compiled and steps > 2**31 - 1:  # an OverflowError traceback inside JAX before
        raise ValueError(
            f"--steps must be at most {2**31 - 1} with --compiled (the compiled loop counts "
            f"steps in int32), got {steps}"
        )
    settings = zoo_settings(cls.__name__, env_id)
    ids = list(range(seed, seed + seeds))
    if compiled:
        if not hasattr(cls, "make_train"):
            raise ValueError(f"--compiled: {agent} trains through the Python loop only")
        if env_id not in JAX_ENVS:
            raise ValueError(
                f"--compiled: no JAX environment for {env_id!r} (there is for {sorted(JAX_ENVS)})"
            )
    # the first seed's agent checks the env id, its spaces and the settings: a refused run
    # must not leave an empty --save folder behind, nor train before it is refused
    first = cls(env_id, seed=ids[0], **settings)
    if save is not None:
        output_folder("--save", save)
    agents = []
    start = time.perf_counter()
    if compiled:
        # the seeds split across the devices: a CPU device per core when the command set
        # them up (cpu_devices_per_core), else one device, as jax.jit(jax.vmap(train))
        train = vmap_over_devices(cls.make_train(JAX_ENVS[env_id](), steps, **settings))
        keys = jax.numpy.stack([jax.random.key(s) for s in ids])
        out = jax.block_until_ready(train(keys))
        seconds = time.perf_counter() - start
        for i, s in enumerate(ids):
            a = first if i == 0 else cls(env_id, seed=s, **settings)
            if hasattr(a, "set_state"):  # stream-x: the network with its normalisers
                a.set_state(jax.tree_util.tree_map(lambda x, i=i: x[i], out.state.learner))
            else:
                a.set_parameters(jax.tree_util.tree_map(lambda x, i=i: x[i], out.q_params))
            agents.append(a)
    else:
        for s in _bar(ids, f"{agent} {env_id} seeds", progress and len(ids) > 1):
            a = first if s == ids[0] else cls(env_id, seed=s, **settings)
            a.learn(steps, progress_bar=progress)  # a bar of its own: a seed can take minutes
            agents.append(a)
        seconds = time.perf_counter() - start
    returns, stds = [], []
    for a in agents:
        mean, std = evaluate(a, env_id, EVAL_EPISODES)
        returns.append(mean)
        stds.append(std)
    if save is not None:
        for s, a in zip(ids, agents, strict=True):
            a.save(os.path.join(save, f"seed-{s}.npz"))
    return {"seeds": ids, "returns": returns, "stds": stds, "seconds": seconds}


def _bar(items, desc, enabled):
    return progress(items, desc=desc, disable=not enabled)


def format_table(result: dict) -> str:
    """The seeds' greedy mean returns as a table.

    >>> print(format_table({"seeds": [0], "returns": [500.0], "stds": [0.0], "seconds": 1.0}))
    seed  mean return (20 greedy episodes)
       0  500.0 +- 0.0
    """
    lines = [f"seed  mean return ({EVAL_EPISODES} greedy episodes)"]
    for s, m, sd in zip(result["seeds"], result["returns"], result["stds"], strict=True):
        lines.append(f"{s:>4}  {m:.1f} +- {sd:.1f}")
    return "\n".join(lines)
