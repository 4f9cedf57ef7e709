"""Environments: the blackbox interface, built-in robots, the Gymnasium bridge, streams."""

from sensorimotor.envs.arm_reach import ArmReachEnv
from sensorimotor.envs.auto_reset import AutoReset, auto_reset_step
from sensorimotor.envs.cartpole import CartPole, CartPoleEnvParams, CartPoleState
from sensorimotor.envs.cartpole_dynamics import CartPoleParams, cartpole_failed, cartpole_step
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS, EnvironmentCheckError, check_environment
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.from_gym import ConstantPolicy, Episode, GymEpisodeEnvironment, LinearPolicy
from sensorimotor.envs.from_gymnax import FromGymnax
from sensorimotor.envs.jax_env import JaxEnv
from sensorimotor.envs.kinematic_arm import KinematicArm2D, arm_forward, arm_joint_positions
from sensorimotor.envs.registration import register_envs, registered_ids
from sensorimotor.envs.to_gym import EnvironmentGymEnv

register_envs()

__all__ = [
    "ENVIRONMENT_CHECKS",
    "ArmReachEnv",
    "AutoReset",
    "CartPole",
    "CartPoleEnvParams",
    "CartPoleParams",
    "CartPoleState",
    "ConstantPolicy",
    "Environment",
    "EnvironmentCheckError",
    "EnvironmentGymEnv",
    "Episode",
    "FromGymnax",
    "GymEpisodeEnvironment",
    "JaxEnv",
    "KinematicArm2D",
    "LinearPolicy",
    "arm_forward",
    "arm_joint_positions",
    "auto_reset_step",
    "cartpole_failed",
    "cartpole_step",
    "check_environment",
    "register_envs",
    "registered_ids",
]
