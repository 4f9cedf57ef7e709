"""Network pytrees for JAX learners: one MLP with options, its building blocks, a replay buffer.

:mod:`sensorimotor.nets.mlp` is the library's one multilayer perceptron (sparse or LeCun
init, LayerNorm on or off, LeakyReLU/gelu/tanh/silu/relu), used by the streaming
``MLPLearner`` and by ``NetworkLearner``'s forward model; :mod:`sensorimotor.nets.replay_buffer`
the one replay buffer (a pytree ring buffer, JAX or NumPy), used by ``NetworkLearner`` and
meant for DQN. Reused later by DQN, REINFORCE and the stream-x agents.

The echo state network sits beside them: its step as pure functions
(:mod:`~sensorimotor.nets.reservoir_step`), its topologies
(:mod:`~sensorimotor.nets.reservoir_topology`), ``ReservoirNode``
(:mod:`~sensorimotor.nets.reservoir`), its memory (:mod:`~sensorimotor.nets.reservoir_memory`)
and the online readouts (:mod:`~sensorimotor.nets.readout`,
:mod:`~sensorimotor.nets.readout_step`); their public face is :mod:`sensorimotor.reservoir`.
"""

from sensorimotor.nets import replay_buffer
from sensorimotor.nets.layer_norm import layer_norm
from sensorimotor.nets.mlp import (
    ACTIVATIONS,
    Dense,
    flatten_mlp,
    init_mlp,
    mlp_apply,
    mlp_sizes,
    mlp_value_and_grad,
    param_count,
    unflatten_mlp,
)
from sensorimotor.nets.replay_buffer import ReplayBuffer
from sensorimotor.nets.sparse_init import sparse_init

__all__ = [
    "ACTIVATIONS",
    "Dense",
    "ReplayBuffer",
    "flatten_mlp",
    "init_mlp",
    "layer_norm",
    "mlp_apply",
    "mlp_sizes",
    "mlp_value_and_grad",
    "param_count",
    "replay_buffer",
    "sparse_init",
    "unflatten_mlp",
]
