"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams."""

from sensorimotor.envs.config import Config, merge_config
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions

__all__ = [
    "Config",
    "Environment",
    "KinematicArm2D",
    "arm_forward",
    "arm_joint_positions",
    "merge_config",
]
