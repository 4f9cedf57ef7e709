"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams."""

from sensorimotor.envs.arm_reach import ArmReachEnv
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS, EnvironmentCheckError, check_environment
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.from_gym import ConstantPolicy, Episode, GymEpisodeEnvironment, LinearPolicy
from sensorimotor.envs.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions
from sensorimotor.envs.registration import register_envs, registered_ids
from sensorimotor.envs.to_gym import EnvironmentGymEnv

register_envs()

__all__ = [
    "ENVIRONMENT_CHECKS",
    "ArmReachEnv",
    "ConstantPolicy",
    "Environment",
    "EnvironmentCheckError",
    "EnvironmentGymEnv",
    "Episode",
    "GymEpisodeEnvironment",
    "KinematicArm2D",
    "LinearPolicy",
    "arm_forward",
    "arm_joint_positions",
    "check_environment",
    "register_envs",
    "registered_ids",
]
