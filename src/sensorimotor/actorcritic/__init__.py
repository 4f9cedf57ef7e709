"""Adaptive critics (ADHDP) under HDPy's names.

The actor-critics live among the agents (:mod:`sensorimotor.agents`): the loop
(:class:`ActorCritic`), :class:`Plant` and :class:`Policy`, the momenta, :class:`ADHDP`
and its variants (:class:`ActionGradient`, :class:`ActionRecomputation`,
:class:`ActionBruteForce`, the state-feedback :class:`StateFeedbackADHDP`), Si and Wang's
direct HDP (:class:`DirectHDP`, two small networks, and its compiled runs
:func:`direct_hdp_batch`), saving and loading; the plants beside their environments
(:class:`CollisionAvoidanceFrontal` and its siblings for the ePuck, :class:`CartPoleBalance`
for the cart-pole, :class:`ForwardDistance` for MuJoCo's Ant, :class:`AntGait`, walking the
:class:`SineGait` policy, and :class:`GymPlant` for any Gymnasium environment with a
continuous action, stepped by :class:`GymStepEnvironment`); the echo state
network and its readouts in :mod:`sensorimotor.reservoir`, re-exported here so that one
import serves an experiment. The episode log that collects an actor-critic's internals
(:class:`~sensorimotor.run.EpisodeLog`) and the experiments are in :mod:`sensorimotor.run`.

Example:
    >>> import math
    >>> from sensorimotor.actorcritic import (ADHDP, CollisionAvoidanceFrontal, Epuck2D,
    ...     HeadingPolicy, PlainRLS, ReservoirNode)
    >>> robot = Epuck2D()
    >>> agent = ADHDP(ReservoirNode(4, 30, leak_rate=0.5, seed=0), PlainRLS(34, 1),
    ...               CollisionAvoidanceFrontal(), HeadingPolicy(), gamma=0.9, alpha=0.3,
    ...               momentum=0.3, action_scale=math.pi)
    >>> lengths = []
    >>> for episode in range(10):
    ...     agent.new_episode(robot.reset(seed=episode))
    ...     while not agent.done and agent.num_step < 200:
    ...         _ = agent(robot)
    ...     lengths.append(agent.num_step)
    >>> len(lengths), all(1 <= n <= 200 for n in lengths)
    (10, True)

    The episodes' lengths themselves depend on the last bits of floating point (a robot
    that grazes a wall or not), so they differ between NumPy/BLAS builds: here, for
    example, ``[81, 200, 200, 169, 200, 82, 81, 200, 31, 120]``.
"""

from sensorimotor.agents.adhdp import actor_critic as _actor_critic
from sensorimotor.agents.adhdp import adhdp as _adhdp
from sensorimotor.agents.adhdp import adhdp_io as _adhdp_io
from sensorimotor.agents.adhdp import adhdp_variants as _variants
from sensorimotor.agents.adhdp import momentum as _momentum
from sensorimotor.agents.adhdp import plant as _plant
from sensorimotor.agents.adhdp import policy as _policy
from sensorimotor.agents.adhdp import sine_gait as _sine_gait
from sensorimotor.agents.adhdp import state_feedback as _state_feedback
from sensorimotor.agents.adhdp.actor_critic import *  # noqa: F403 - the facade re-exports
from sensorimotor.agents.adhdp.adhdp import *  # noqa: F403
from sensorimotor.agents.adhdp.adhdp_io import *  # noqa: F403
from sensorimotor.agents.adhdp.adhdp_variants import *  # noqa: F403
from sensorimotor.agents.adhdp.momentum import *  # noqa: F403
from sensorimotor.agents.adhdp.plant import *  # noqa: F403
from sensorimotor.agents.adhdp.policy import *  # noqa: F403
from sensorimotor.agents.adhdp.sine_gait import *  # noqa: F403
from sensorimotor.agents.adhdp.state_feedback import *  # noqa: F403
from sensorimotor.agents.direct_hdp import direct_hdp_agent as _direct_hdp_agent
from sensorimotor.agents.direct_hdp import direct_hdp_compiled as _direct_hdp_compiled
from sensorimotor.agents.direct_hdp.direct_hdp import DirectHDPConfig
from sensorimotor.agents.direct_hdp.direct_hdp_agent import *  # noqa: F403
from sensorimotor.agents.direct_hdp.direct_hdp_compiled import *  # noqa: F403
from sensorimotor.envs import (
    AntGait,
    CartPoleADP,
    CartPoleBalance,
    CollisionAvoidance,
    CollisionAvoidanceFrontal,
    CollisionAvoidanceFull,
    CollisionAvoidanceSideways,
    Epuck2D,
    ForwardDistance,
    GymPlant,
    GymStepEnvironment,
)
from sensorimotor.nets.td_readout import TDReadout
from sensorimotor.reservoir import LMSReadout, PlainRLS, ReservoirNode, StabilizedRLS

__all__ = [
    *_actor_critic.__all__,
    *_adhdp.__all__,
    *_variants.__all__,
    *_state_feedback.__all__,
    *_direct_hdp_agent.__all__,
    "DirectHDPConfig",
    *_direct_hdp_compiled.__all__,
    *_adhdp_io.__all__,
    *_momentum.__all__,
    *_plant.__all__,
    *_policy.__all__,
    *_sine_gait.__all__,
    "CollisionAvoidance",
    "CollisionAvoidanceFrontal",
    "CollisionAvoidanceSideways",
    "CollisionAvoidanceFull",
    "CartPoleBalance",
    "Epuck2D",
    "CartPoleADP",
    "AntGait",
    "ForwardDistance",
    "GymPlant",
    "GymStepEnvironment",
    "ReservoirNode",
    "PlainRLS",
    "StabilizedRLS",
    "LMSReadout",
    "TDReadout",
]
