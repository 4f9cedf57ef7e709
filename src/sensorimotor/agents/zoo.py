"""Tuned hyperparameters by environment id: rl-baselines3-zoo's, where it has them.

>>> print(ZOO["DQN"]["CartPole-v1"]["n_timesteps"], zoo_settings("DQN", "CartPole-v1")["gamma"])
50000 0.99
"""

from __future__ import annotations

from sensorimotor.base.names import nearest

__all__ = ["AGENT_NAMES", "ZOO", "zoo_settings"]

#: agent name -> env id -> hyperparameters (and ``n_timesteps``, the run's length)
ZOO = {
    "DQN": {
        "CartPole-v1": {
            "n_timesteps": 50_000,
            "learning_rate": 2.3e-3,
            "batch_size": 64,
            "buffer_size": 100_000,
            "learning_starts": 1000,
            "gamma": 0.99,
            "target_update_interval": 10,
            "train_freq": 256,
            "gradient_steps": 128,
            "exploration_fraction": 0.16,
            "exploration_final_eps": 0.04,
            "net_arch": (256, 256),
        },
        "MountainCar-v0": {
            "n_timesteps": 120_000,
            "learning_rate": 4e-3,
            "batch_size": 128,
            "buffer_size": 10_000,
            "learning_starts": 1000,
            "gamma": 0.98,
            "target_update_interval": 600,
            "train_freq": 16,
            "gradient_steps": 8,
            "exploration_fraction": 0.2,
            "exploration_final_eps": 0.07,
            "net_arch": (256, 256),
        },
        "Acrobot-v1": {
            "n_timesteps": 100_000,
            "learning_rate": 6.3e-4,
            "batch_size": 128,
            "buffer_size": 50_000,
            "learning_starts": 0,
            "gamma": 0.99,
            "target_update_interval": 250,
            "train_freq": 4,
            "gradient_steps": 4,  # the zoo's -1: one per environment step collected
            "exploration_fraction": 0.12,
            "exploration_final_eps": 0.1,
            "net_arch": (256, 256),
        },
    },
    # not in rl-zoo: found here (bench/deeprl_pg_bc.py)
    "Reinforce": {
        "CartPole-v1": {
            "n_timesteps": 200_000,
            "learning_rate": 5e-3,
            "episodes_per_update": 4,
            "baseline": True,
            "max_grad_norm": 0.5,
            "gamma": 0.99,
            "net_arch": (64, 64),
        },
    },
}


#: the agents ``zoo_settings`` knows (those without zoo settings get ``{}``)
AGENT_NAMES = ("DQN", "Reinforce", "StreamQ", "StreamAC", "BehavioralCloning", "DAgger")


def zoo_settings(agent: str, env_id: str) -> dict:
    """The hyperparameters of ``agent`` on ``env_id`` (without ``n_timesteps``); ``{}``
    when the zoo has none (the agent's defaults then).

    >>> from sensorimotor.agents import DQN
    >>> settings = zoo_settings("DQN", "CartPole-v1")
    >>> agent = DQN("CartPole-v1", seed=0, **settings)  # train it for ZOO's n_timesteps
    >>> print(agent.config.train_freq, agent.config.net_arch, "n_timesteps" in settings)
    256 (256, 256) False
    >>> print(zoo_settings("DQN", "Pong-v5"))
    {}
    >>> zoo_settings("dqn", "CartPole-v1")  # an agent's class name, not the command's
    Traceback (most recent call last):
    ...
    ValueError: agent must be an agent's class name, one of ['BehavioralCloning', 'DAgger', 'DQN', 'Reinforce', 'StreamAC', 'StreamQ'], got 'dqn' (did you mean 'DQN'?)
    """
    if agent not in AGENT_NAMES:  # a wrong name gave {}: the defaults, silently
        hint = nearest(agent, AGENT_NAMES) or nearest(str(agent).upper(), AGENT_NAMES)
        raise ValueError(
            f"agent must be an agent's class name, one of {sorted(AGENT_NAMES)}, "
            f"got {agent!r}{hint}"
        )
    settings = dict(ZOO.get(agent, {}).get(env_id, {}))
    settings.pop("n_timesteps", None)
    return settings
