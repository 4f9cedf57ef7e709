"""sensorimotor.agents: agents in Stable-Baselines3's shape (``Agent(env, *, seed=0,
**hyperparameters)``, ``learn``, ``predict -> (action, None)``, ``save`` / ``load``;
compiled training on JAX environments with ``make_train``): DQN, REINFORCE, behavioural
cloning and DAgger, the stream-x agents StreamQ and StreamAC; and the actor-critics of
the ADHDP family (HDPy's names; the facade :mod:`sensorimotor.actorcritic` gathers them
with their plants and reservoirs)."""

from sensorimotor.agents import agent as _agent
from sensorimotor.agents import evaluate as _evaluate
from sensorimotor.agents import policy_agent as _policy_agent
from sensorimotor.agents import training_stats as _training_stats
from sensorimotor.agents import zoo as _zoo
from sensorimotor.agents.adhdp.actor_critic import ActorCritic
from sensorimotor.agents.adhdp.adhdp import ADHDP
from sensorimotor.agents.adhdp.adhdp_io import load_adhdp, save_adhdp
from sensorimotor.agents.adhdp.adhdp_variants import (
    ActionBruteForce,
    ActionGradient,
    ActionRecomputation,
)
from sensorimotor.agents.adhdp.momentum import ConstMomentum, Momentum, RadialMomentum
from sensorimotor.agents.adhdp.plant import Plant
from sensorimotor.agents.adhdp.policy import ChannelPolicy, HeadingPolicy, Policy
from sensorimotor.agents.adhdp.sine_gait import SineGait
from sensorimotor.agents.adhdp.state_feedback import StateFeedbackADHDP
from sensorimotor.agents.agent import *  # noqa: F403
from sensorimotor.agents.direct_hdp.direct_hdp import DirectHDPConfig
from sensorimotor.agents.direct_hdp.direct_hdp_agent import DirectHDP
from sensorimotor.agents.direct_hdp.direct_hdp_compiled import direct_hdp_batch, direct_hdp_trials
from sensorimotor.agents.dqn import dqn as _dqn
from sensorimotor.agents.dqn import dqn_compiled as _dqn_compiled
from sensorimotor.agents.dqn import dqn_config as _dqn_config
from sensorimotor.agents.dqn import dqn_update as _dqn_update
from sensorimotor.agents.dqn.dqn import *  # noqa: F403
from sensorimotor.agents.dqn.dqn_compiled import *  # noqa: F403
from sensorimotor.agents.dqn.dqn_config import *  # noqa: F403
from sensorimotor.agents.dqn.dqn_update import *  # noqa: F403
from sensorimotor.agents.evaluate import *  # noqa: F403
from sensorimotor.agents.imitation import behavioral_cloning as _behavioral_cloning
from sensorimotor.agents.imitation import dagger as _dagger
from sensorimotor.agents.imitation import demonstrations as _demonstrations
from sensorimotor.agents.imitation.behavioral_cloning import *  # noqa: F403
from sensorimotor.agents.imitation.dagger import *  # noqa: F403
from sensorimotor.agents.imitation.demonstrations import *  # noqa: F403
from sensorimotor.agents.policy_agent import *  # noqa: F403
from sensorimotor.agents.reinforce import reinforce as _reinforce
from sensorimotor.agents.reinforce import reinforce_update as _reinforce_update
from sensorimotor.agents.reinforce.reinforce import *  # noqa: F403
from sensorimotor.agents.reinforce.reinforce_update import *  # noqa: F403
from sensorimotor.agents.stream import stream_ac as _stream_ac
from sensorimotor.agents.stream import stream_ac_update as _stream_ac_update
from sensorimotor.agents.stream import stream_q as _stream_q
from sensorimotor.agents.stream import stream_q_compiled as _stream_q_compiled
from sensorimotor.agents.stream import stream_q_config as _stream_q_config
from sensorimotor.agents.stream import stream_x as _stream_x
from sensorimotor.agents.stream.stream_ac import *  # noqa: F403
from sensorimotor.agents.stream.stream_ac_compiled import action_kind
from sensorimotor.agents.stream.stream_ac_update import *  # noqa: F403
from sensorimotor.agents.stream.stream_q import *  # noqa: F403
from sensorimotor.agents.stream.stream_q_compiled import *  # noqa: F403
from sensorimotor.agents.stream.stream_q_config import *  # noqa: F403
from sensorimotor.agents.stream.stream_q_update import StreamQMetrics, StreamQState
from sensorimotor.agents.stream.stream_x import *  # noqa: F403
from sensorimotor.agents.training_stats import *  # noqa: F403
from sensorimotor.agents.zoo import *  # noqa: F403
from sensorimotor.base.devices import cpu_devices_per_core, vmap_over_devices
from sensorimotor.nets.replay_buffer import ReplayBuffer

__all__ = [
    # deep RL
    "ReplayBuffer",
    "vmap_over_devices",  # make_train's seeds across devices
    "cpu_devices_per_core",
    *_agent.__all__,
    *_dqn.__all__,
    *_dqn_compiled.__all__,
    *_dqn_config.__all__,
    *_dqn_update.__all__,
    *_evaluate.__all__,
    *_behavioral_cloning.__all__,
    *_dagger.__all__,
    *_demonstrations.__all__,
    *_policy_agent.__all__,
    *_reinforce.__all__,
    *_reinforce_update.__all__,
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
    # actor-critics (ADHDP family)
    "ActorCritic",
    "ADHDP",
    "ActionGradient",
    "ActionRecomputation",
    "ActionBruteForce",
    "StateFeedbackADHDP",
    "DirectHDP",
    "DirectHDPConfig",
    "direct_hdp_trials",
    "direct_hdp_batch",
    "save_adhdp",
    "load_adhdp",
    "Momentum",
    "ConstMomentum",
    "RadialMomentum",
    "Plant",
    "Policy",
    "ChannelPolicy",
    "HeadingPolicy",
    "SineGait",
]
