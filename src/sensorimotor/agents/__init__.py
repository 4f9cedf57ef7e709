"""sensorimotor.agents: the actor-critics of the ADHDP family (HDPy's names; the facade
:mod:`sensorimotor.actorcritic` gathers them with their plants and reservoirs)."""

from sensorimotor.agents.actor_critic import ActorCritic
from sensorimotor.agents.adhdp import ADHDP
from sensorimotor.agents.adhdp_io import load_adhdp, save_adhdp
from sensorimotor.agents.adhdp_variants import ActionBruteForce, ActionGradient, ActionRecomputation
from sensorimotor.agents.momentum import ConstMomentum, Momentum, RadialMomentum
from sensorimotor.agents.plant import Plant
from sensorimotor.agents.policy import ChannelPolicy, HeadingPolicy, Policy
from sensorimotor.agents.state_feedback import StateFeedbackADHDP

__all__ = [
    # actor-critics (ADHDP family)
    "ActorCritic",
    "ADHDP",
    "ActionGradient",
    "ActionRecomputation",
    "ActionBruteForce",
    "StateFeedbackADHDP",
    "save_adhdp",
    "load_adhdp",
    "Momentum",
    "ConstMomentum",
    "RadialMomentum",
    "Plant",
    "Policy",
    "ChannelPolicy",
    "HeadingPolicy",
]
