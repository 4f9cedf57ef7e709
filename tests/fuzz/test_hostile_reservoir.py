"""Hostile input at the reservoir, its readouts and the actor-critics (issue 10): refused
naming the argument with the node, readout or agent bit-identical, or accepted with finite
states and weights of the node's dtype. The strategy and the property are in ``tests/hostile.py``."""

import functools

import hostile
import jax
import numpy as np
import pytest
from hostile import all_finite, check_outcome, examples, fingerprint
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorimotor.agents import DirectHDP, SineGait
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


@functools.cache
def _direct_hdp():
    from sensorimotor.agents.adhdp.policy import ChannelPolicy
    from sensorimotor.envs import CartPoleADP, CartPoleBalance

    env = CartPoleADP({"seed": 0})
    agent = DirectHDP(CartPoleBalance(), ChannelPolicy(env.m_channels), action_scale=10.0)
    start = env.reset()
    agent.new_episode(start)
    return agent, dict(start)


def _accepted(*values):
    assert all(all_finite(np.asarray(v)) for v in values)


def _agent_snapshot(agent):
    leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(agent.params)]
    return fingerprint([*leaves, agent.j_prev, agent._a_norm, agent.num_step])


@settings(max_examples=examples())
@given(data=st.data())
def test_direct_hdp_new_episode(data):
    agent, good = _direct_hdp()
    signal, names = data.draw(hostile.hostile_signal(list(good), good))
    check_outcome(
        "DirectHDP.new_episode",
        lambda: agent.new_episode(signal),
        lambda: _agent_snapshot(agent),
        [*names, "state", "s_signal"],
        lambda _: _accepted(agent.j_prev, agent._a_norm),
    )


@settings(max_examples=examples())
@given(data=st.data())
def test_direct_hdp_actor(data):
    agent, _ = _direct_hdp()
    state = data.draw(hostile.hostile_vector(4))
    check_outcome(
        "DirectHDP.actor",
        lambda: agent.actor(state),
        lambda: _agent_snapshot(agent),
        ["state"],
        lambda a: _accepted(a),
    )


@settings(max_examples=examples())
@given(data=st.data())
def test_sine_gait_update(data):
    gait = SineGait(dt=0.02, period=0.5)
    action = data.draw(hostile.hostile_vector(7))
    check_outcome(
        "SineGait.update",
        lambda: gait.update(action),
        lambda: fingerprint([gait.action, gait.clock]),
        ["action", "gait parameter"],
        lambda _: _accepted(gait.action),
    )


@settings(max_examples=examples())
@given(data=st.data())
def test_policy_settings(data):
    """A policy's initial action: refused naming ``initial``, or a finite action of the
    policy's width (HeadingPolicy once cast "1.5" to 1.5 and True to 1.0)."""
    from sensorimotor.actorcritic import ChannelPolicy, HeadingPolicy
    from sensorimotor.envs import CartPoleADP

    which = data.draw(st.sampled_from(["HeadingPolicy", "ChannelPolicy"]))
    value = data.draw(hostile.hostile_scalar() | hostile.hostile_vector(1))
    if which == "HeadingPolicy":
        make = lambda: HeadingPolicy(initial=value)  # noqa: E731
    else:
        make = lambda: ChannelPolicy(CartPoleADP({"seed": 0}).m_channels, initial=value)  # noqa: E731

    def accepted(policy):
        action = policy.initial_action()
        assert action.shape == (1,) and action.dtype == np.float64 and all_finite(action)
        assert not isinstance(value, str | bool | np.bool_), f"{which} took {value!r}"

    check_outcome(f"{which}(initial)", make, lambda: None, ["initial"], accepted)


@settings(max_examples=examples())
@given(data=st.data())
def test_sine_gait_targets(data):
    """``sine_gait_targets(params, clock)``: refused naming the argument, or eight finite
    joint targets (NaN parameters once gave eight NaN targets)."""
    from sensorimotor.actorcritic import sine_gait_targets

    which = data.draw(st.sampled_from(["params", "clock"]))
    params = data.draw(hostile.hostile_vector(7)) if which == "params" else np.zeros(7)
    clock = data.draw(hostile.hostile_scalar()) if which == "clock" else 0.5

    def accepted(q):
        assert q.shape == (8,) and all_finite(q)

    check_outcome(
        f"sine_gait_targets({which})",
        lambda: sine_gait_targets(params, clock),
        lambda: None,
        [which],
        accepted,
    )
