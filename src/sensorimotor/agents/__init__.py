"""Agents in Stable-Baselines3's shape: ``Agent(env, *, seed=0, **hyperparameters)``,
``learn``, ``predict -> (action, None)``, ``save`` / ``load``; compiled training on JAX
environments with ``make_train``. DQN (replay buffer, target network); the stream-x agents
StreamQ and StreamAC (one update per step, eligibility traces and ObGD, no buffer)."""

from sensorimotor.agents import agent as _agent
from sensorimotor.agents import dqn as _dqn
from sensorimotor.agents import dqn_compiled as _dqn_compiled
from sensorimotor.agents import dqn_config as _dqn_config
from sensorimotor.agents import dqn_update as _dqn_update
from sensorimotor.agents import evaluate as _evaluate
from sensorimotor.agents import stream_ac as _stream_ac
from sensorimotor.agents import stream_ac_update as _stream_ac_update
from sensorimotor.agents import stream_q as _stream_q
from sensorimotor.agents import stream_q_compiled as _stream_q_compiled
from sensorimotor.agents import stream_q_config as _stream_q_config
from sensorimotor.agents import stream_x as _stream_x
from sensorimotor.agents import training_stats as _training_stats
from sensorimotor.agents import zoo as _zoo
from sensorimotor.agents.agent import *  # noqa: F403
from sensorimotor.agents.dqn import *  # noqa: F403
from sensorimotor.agents.dqn_compiled import *  # noqa: F403
from sensorimotor.agents.dqn_config import *  # noqa: F403
from sensorimotor.agents.dqn_update import *  # noqa: F403
from sensorimotor.agents.evaluate import *  # noqa: F403
from sensorimotor.agents.stream_ac import *  # noqa: F403
from sensorimotor.agents.stream_ac_compiled import action_kind
from sensorimotor.agents.stream_ac_update import *  # noqa: F403
from sensorimotor.agents.stream_q import *  # noqa: F403
from sensorimotor.agents.stream_q_compiled import *  # noqa: F403
from sensorimotor.agents.stream_q_config import *  # noqa: F403
from sensorimotor.agents.stream_q_update import StreamQMetrics, StreamQState
from sensorimotor.agents.stream_x import *  # noqa: F403
from sensorimotor.agents.training_stats import *  # noqa: F403
from sensorimotor.agents.zoo import *  # noqa: F403
from sensorimotor.nets.replay_buffer import ReplayBuffer

__all__ = [
    "ReplayBuffer",
    *_agent.__all__,
    *_dqn.__all__,
    *_dqn_compiled.__all__,
    *_dqn_config.__all__,
    *_dqn_update.__all__,
    *_evaluate.__all__,
    *_stream_ac.__all__,
    "action_kind",
    *_stream_ac_update.__all__,
    *_stream_q.__all__,
    *_stream_q_compiled.__all__,
    *_stream_q_config.__all__,
    "StreamQMetrics",
    "StreamQState",
    *_stream_x.__all__,
    *_training_stats.__all__,
    *_zoo.__all__,
]
