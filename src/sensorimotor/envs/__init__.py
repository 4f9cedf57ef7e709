"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams."""

from sensorimotor.envs.environment import Environment
from sensorimotor.envs.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions

__all__ = ["Environment", "KinematicArm2D", "arm_forward", "arm_joint_positions"]
