"""Tiny network pytrees for JAX learners: sparse init, parameter-free LayerNorm, LeakyReLU MLP.

Reused by the streaming MLP learner and, later, by DQN, REINFORCE and the stream-x agents.
"""

from sensorimotor.nets.layer_norm import layer_norm
from sensorimotor.nets.mlp import Dense, init_mlp, mlp_apply, mlp_value_and_grad
from sensorimotor.nets.sparse_init import sparse_init

__all__ = ["Dense", "init_mlp", "layer_norm", "mlp_apply", "mlp_value_and_grad", "sparse_init"]
