"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams."""

from sensorimotor.envs.arm_reach import ArmReachEnv
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS, EnvironmentCheckError, check_environment
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.epuck import Epuck2D, EpuckState, epuck_move, epuck_sensors
from sensorimotor.envs.epuck_baseline import BaselineResult, random_heading_baseline
from sensorimotor.envs.epuck_gym import Epuck2DEnv
from sensorimotor.envs.epuck_plant import (
    CollisionAvoidance,
    CollisionAvoidanceFrontal,
    CollisionAvoidanceFull,
    CollisionAvoidanceSideways,
    avoidance_reward,
    avoidance_state,
)
from sensorimotor.envs.from_gym import ConstantPolicy, Episode, GymEpisodeEnvironment, LinearPolicy
from sensorimotor.envs.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions
from sensorimotor.envs.registration import register_envs, registered_ids
from sensorimotor.envs.to_gym import EnvironmentGymEnv

register_envs()

__all__ = [
    "ENVIRONMENT_CHECKS",
    "ArmReachEnv",
    "BaselineResult",
    "CollisionAvoidance",
    "CollisionAvoidanceFrontal",
    "CollisionAvoidanceFull",
    "CollisionAvoidanceSideways",
    "ConstantPolicy",
    "Environment",
    "EnvironmentCheckError",
    "EnvironmentGymEnv",
    "Epuck2D",
    "Epuck2DEnv",
    "EpuckState",
    "Episode",
    "GymEpisodeEnvironment",
    "KinematicArm2D",
    "LinearPolicy",
    "arm_forward",
    "arm_joint_positions",
    "avoidance_reward",
    "avoidance_state",
    "check_environment",
    "epuck_move",
    "epuck_sensors",
    "register_envs",
    "random_heading_baseline",
    "registered_ids",
]
