"""Hostile input at the reservoir and its readouts (issue 10): refused naming the argument
with the node or readout bit-identical, or accepted with finite states and weights of the
node's dtype. The strategy and the property are in ``tests/hostile.py``."""

import hostile
import numpy as np
import pytest
from hostile import all_finite, check_outcome, examples, fingerprint
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorimotor.reservoir import LMSReadout, PlainRLS, ReservoirNode, StabilizedRLS


@pytest.mark.parametrize("simulate", [False, True])
@settings(max_examples=examples())
@given(data=st.data())
def test_reservoir_execute(simulate, data):
    node = ReservoirNode(2, 8, leak_rate=0.5, bias_scaling=0.1, seed=0)
    node.execute(np.array([0.3, -0.2]))
    u = data.draw(hostile.hostile_vector(2))

    def accepted(x):
        assert all_finite(x) and x.dtype == np.float64 and x.shape[-1] == 8  # (8,) or rows

    check_outcome(
        "ReservoirNode.execute",
        lambda: node.execute(u, simulate=simulate),
        lambda: fingerprint([node.state]),
        ["u"],
        accepted,
    )


READOUTS = {
    "PlainRLS": lambda: PlainRLS(3, 1, lambda_=0.99),
    "StabilizedRLS": lambda: StabilizedRLS(3, 1, tau=2),
    "LMSReadout": lambda: LMSReadout(3, 1, step_size=0.05),
}


@pytest.mark.parametrize("name", sorted(READOUTS))
@pytest.mark.parametrize("kind", ["target", "error"])
@settings(max_examples=examples())
@given(data=st.data())
def test_readout_train(name, kind, data):
    readout = READOUTS[name]()
    readout.train(np.array([0.5, -1.0, 0.25]), target=1.0)
    sample = data.draw(hostile.hostile_vector(3))
    value = data.draw(hostile.hostile_scalar())

    def accepted(_):
        assert all_finite(readout.beta) and readout.beta.dtype == np.float64

    check_outcome(
        f"{name}.train({kind})",
        lambda: readout.train(sample, **{kind: value}),
        lambda: fingerprint([readout.state, readout.count, readout.resets]),
        ["sample", kind],
        accepted,
    )
