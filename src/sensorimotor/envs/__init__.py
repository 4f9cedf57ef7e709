"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams.

``Channel`` is re-exported, so that the seed's ``from environments import Channel,
Environment`` reads ``from sensorimotor.envs import Channel, Environment``.
"""

from sensorimotor.envs.action_checks import check_box_action, check_discrete_action
from sensorimotor.envs.ant.ant_gait import AntGait
from sensorimotor.envs.ant.ant_gait_gym import AntGaitEnv
from sensorimotor.envs.ant.ant_plant import ForwardDistance
from sensorimotor.envs.arm.arm_reach import ArmReachEnv
from sensorimotor.envs.arm.distractor import Distractor
from sensorimotor.envs.arm.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions
from sensorimotor.envs.bridge.auto_reset import AutoReset, auto_reset_step
from sensorimotor.envs.bridge.from_gym import (
    ConstantPolicy,
    Episode,
    GymEpisodeEnvironment,
    LinearPolicy,
)
from sensorimotor.envs.bridge.from_gym_step import GymPlant, GymStepEnvironment
from sensorimotor.envs.bridge.from_gymnax import FromGymnax
from sensorimotor.envs.bridge.to_gym import EnvironmentGymEnv
from sensorimotor.envs.cartpole.cartpole import CartPole, CartPoleEnvParams, CartPoleState
from sensorimotor.envs.cartpole.cartpole_adp import CartPoleADP
from sensorimotor.envs.cartpole.cartpole_adp_gym import CartPoleADPEnv
from sensorimotor.envs.cartpole.cartpole_adp_jax import CartPoleADPJax, CartPoleADPParams
from sensorimotor.envs.cartpole.cartpole_adp_plant import CartPoleBalance
from sensorimotor.envs.cartpole.cartpole_dynamics import (
    CartPoleParams,
    cartpole_failed,
    cartpole_step,
)
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS, EnvironmentCheckError, check_environment
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.epuck.epuck import Epuck2D, EpuckState, epuck_move, epuck_sensors
from sensorimotor.envs.epuck.epuck_baseline import BaselineResult, random_heading_baseline
from sensorimotor.envs.epuck.epuck_gym import Epuck2DEnv
from sensorimotor.envs.epuck.epuck_plant import (
    CollisionAvoidance,
    CollisionAvoidanceFrontal,
    CollisionAvoidanceFull,
    CollisionAvoidanceSideways,
    avoidance_reward,
    avoidance_state,
)
from sensorimotor.envs.humanoid.toy_humanoid import ToyHumanoid, ToyHumanoidState
from sensorimotor.envs.humanoid.toy_humanoid_dynamics import (
    ToyHumanoidParams,
    discrete_torques,
    toy_humanoid_reward,
    toy_humanoid_step,
)
from sensorimotor.envs.humanoid.toy_humanoid_gym import ToyHumanoidEnv
from sensorimotor.envs.jax_env import JaxEnv
from sensorimotor.envs.registration import register_envs, registered_ids
from sensorimotor.signals import Channel

register_envs()

__all__ = [
    "ENVIRONMENT_CHECKS",
    "AntGait",
    "AntGaitEnv",
    "ArmReachEnv",
    "AutoReset",
    "BaselineResult",
    "CartPole",
    "CartPoleADP",
    "CartPoleADPEnv",
    "CartPoleADPJax",
    "CartPoleADPParams",
    "CartPoleBalance",
    "CartPoleEnvParams",
    "CartPoleParams",
    "CartPoleState",
    "Channel",
    "CollisionAvoidance",
    "CollisionAvoidanceFrontal",
    "CollisionAvoidanceFull",
    "CollisionAvoidanceSideways",
    "ConstantPolicy",
    "Distractor",
    "Environment",
    "EnvironmentCheckError",
    "EnvironmentGymEnv",
    "Epuck2D",
    "Epuck2DEnv",
    "EpuckState",
    "ForwardDistance",
    "Episode",
    "FromGymnax",
    "GymEpisodeEnvironment",
    "GymPlant",
    "GymStepEnvironment",
    "JaxEnv",
    "KinematicArm2D",
    "LinearPolicy",
    "ToyHumanoid",
    "ToyHumanoidEnv",
    "ToyHumanoidParams",
    "ToyHumanoidState",
    "arm_forward",
    "arm_joint_positions",
    "auto_reset_step",
    "avoidance_reward",
    "avoidance_state",
    "cartpole_failed",
    "cartpole_step",
    "check_box_action",
    "check_discrete_action",
    "check_environment",
    "discrete_torques",
    "epuck_move",
    "epuck_sensors",
    "register_envs",
    "random_heading_baseline",
    "registered_ids",
    "toy_humanoid_reward",
    "toy_humanoid_step",
]
