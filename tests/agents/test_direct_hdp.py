"""Si and Wang's direct HDP (``DirectHDP``): gradients, the critic's error, failures,
bad inputs, saving; small and fast (the learning itself is measured by
``sensorimotor adhdp cartpole``, see BENCHMARKS.md)."""

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.agents.adhdp.policy import ChannelPolicy
from sensorimotor.agents.direct_hdp.direct_hdp import (
    DirectHDPConfig,
    DirectHDPParams,
    actor_action,
    actor_gradient,
    critic_gradient,
    critic_value,
    init_direct_hdp,
)
from sensorimotor.agents.direct_hdp.direct_hdp import direct_hdp_update as _direct_hdp_update
from sensorimotor.agents.direct_hdp.direct_hdp_agent import DirectHDP
from sensorimotor.agents.direct_hdp.direct_hdp_compiled import direct_hdp_batch, direct_hdp_trials
from sensorimotor.envs import CartPoleADP, CartPoleADPJax, CartPoleBalance
from sensorimotor.signals import SignalError

direct_hdp_update = jax.jit(_direct_hdp_update, static_argnames="config")


def _params64(seed=0):
    rng = np.random.default_rng(seed)
    return DirectHDPParams(
        rng.uniform(-1, 1, (6, 5)),
        rng.uniform(-1, 1, 6),
        rng.uniform(-1, 1, (6, 4)),
        rng.uniform(-1, 1, (1, 6)),
    )


def _finite_difference(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def test_critic_gradient_matches_finite_differences():
    p = _params64()
    s, a = np.array([0.3, -0.2, 0.5, 0.1]), np.array([0.4])
    J, h, z = critic_value(p, s, a)
    d_in, d_out, d_z = critic_gradient(p, h, z)
    fd_in = _finite_difference(
        lambda w: critic_value(p._replace(critic_in=w), s, a)[0], p.critic_in
    )
    fd_out = _finite_difference(
        lambda w: critic_value(p._replace(critic_out=w), s, a)[0], p.critic_out
    )
    fd_a = _finite_difference(lambda b: critic_value(p, s, b)[0], a)
    np.testing.assert_allclose(d_in, fd_in, atol=1e-8)
    np.testing.assert_allclose(d_out, fd_out, atol=1e-8)
    np.testing.assert_allclose(d_z[4:], fd_a, atol=1e-8)


def test_actor_gradient_matches_finite_differences():
    p = _params64(1)
    s = np.array([0.3, -0.2, 0.5, 0.1])
    c = np.array([-1.7])  # dL/da of the loss L = c a(s)
    a, g = actor_action(p, s)
    d_in, d_out = actor_gradient(p, s, a, g, c)
    fd_in = _finite_difference(lambda w: c @ actor_action(p._replace(actor_in=w), s)[0], p.actor_in)
    fd_out = _finite_difference(
        lambda w: c @ actor_action(p._replace(actor_out=w), s)[0], p.actor_out
    )
    np.testing.assert_allclose(d_in, fd_in, atol=1e-8)
    np.testing.assert_allclose(d_out, fd_out, atol=1e-8)


def test_actor_climbs_the_critic_towards_the_objective():
    c = DirectHDPConfig()
    p = init_direct_hdp(jax.random.key(3), 4, config=c)
    s = jnp.array([0.5, -0.5, 0.8, 0.3])
    before = critic_value(p, s, actor_action(p, s)[0])[0]
    p2, j, info = direct_hdp_update(
        p, s, actor_action(p, s)[0], before / c.gamma, 0.0, s, False, 0, c
    )
    after = critic_value(p2, s, actor_action(p2, s)[0])[0]
    assert int(info["actor_cycles"]) > 0
    assert abs(float(after)) < abs(float(before))


@pytest.mark.parametrize("form", ["si_wang", "td"])
def test_critic_error_sign_and_direction(form):
    """A failure (r = -1) with every value 0: Si and Wang's error gamma J(t) - (J(t-1) -
    r) is -1 and raises J(t); the TD form's J(s, a) - r is +1 and lowers J(s, a)."""
    c = DirectHDPConfig(critic_form=form, critic_tolerance=0.0, critic_cycles=1)
    p = init_direct_hdp(jax.random.key(0), 4, config=c)._replace(critic_out=jnp.zeros(6))
    s, s1 = jnp.array([0.1, 0.2, -0.3, 0.4]), jnp.array([0.2, 0.1, 0.3, -0.4])
    a, a1 = actor_action(p, s)[0], actor_action(p, s1)[0]
    p2, _, info = direct_hdp_update(p, s, a, 0.0, -1.0, s1, True, 0, c)
    if form == "si_wang":
        assert float(info["critic_error"]) == pytest.approx(-1.0)
        assert float(critic_value(p2, s1, a1)[0]) > 0.0
    else:
        assert float(info["critic_error"]) == pytest.approx(1.0)
        assert float(critic_value(p2, s, a)[0]) < 0.0


def test_td_form_bootstraps_nothing_past_a_failure():
    c = DirectHDPConfig(critic_form="td")
    p = init_direct_hdp(jax.random.key(1), 4, config=c)
    s = jnp.array([0.1, 0.2, -0.3, 0.4])
    a = actor_action(p, s)[0]
    one = direct_hdp_update(p, s, a, 0.3, -1.0, jnp.full(4, 0.9), True, 0, c)
    other = direct_hdp_update(p, s, a, 0.3, -1.0, jnp.full(4, -0.7), True, 0, c)
    assert float(one[2]["critic_error"]) == pytest.approx(float(critic_value(p, s, a)[0]) + 1.0)
    for x, y in zip(jax.tree.leaves(one[0]), jax.tree.leaves(other[0])):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _agent(seed=0, **kw):
    env = CartPoleADP({"seed": seed})
    agent = DirectHDP(CartPoleBalance(), ChannelPolicy(env.m_channels), action_scale=10.0, **kw)
    return agent, env


class _Records:
    def __init__(self):
        self.records = []

    def append(self, record):
        self.records.append(record)

    def end_episode(self):
        pass


def test_the_failing_step_uses_the_failed_state_and_the_next_trial_its_own_start():
    """Si and Wang's error at the failing step is gamma J(failed state) - (J(t-1) + 1);
    the next trial's first J(t-1) is the value of its own start."""
    log = _Records()
    agent, env = _agent(bang_bang=True, collector=log)
    agent.new_episode(env.reset())
    f32 = jnp.float32
    while True:
        params, j_prev = agent.params, agent.j_prev
        agent(env)
        if agent.done:
            break
    failed = jnp.asarray(CartPoleBalance().state_input(log.records[-1]), f32)
    a_fail = actor_action(params, failed)[0]
    expected = 0.95 * float(critic_value(params, failed, a_fail)[0]) - (j_prev + 1.0)
    assert log.records[-1]["reward"] == -1.0
    assert log.records[-1]["critic_error"] == pytest.approx(expected, abs=1e-5)
    start = env.reset()
    agent.new_episode(start)
    state = CartPoleBalance().state_input(start)
    assert agent.j_prev == pytest.approx(agent.critic(state, agent.actor(state)))


def test_bad_inputs_are_refused_and_change_nothing():
    agent, env = _agent()
    agent.new_episode(env.reset())
    agent(env)
    params = agent.params
    bad = dict(env.reset())
    bad["theta"] = float("nan")
    with pytest.raises(SignalError, match="theta"):
        agent._step(agent.s_curr, bad, agent.a_curr, 0.0)
    assert agent.params is params
    with pytest.raises(ValueError, match="state"):
        agent.critic(np.zeros(3), np.zeros(1))
    with pytest.raises(ValueError, match="action"):
        agent.critic(np.zeros(4), [np.inf])
    with pytest.raises(ValueError, match="gamma"):
        _agent(config=DirectHDPConfig(gamma=1.5))
    with pytest.raises(ValueError, match="critic_form"):
        _agent(config=DirectHDPConfig(critic_form="hdp"))
    with pytest.raises(TypeError, match="bang_bang"):
        _agent(bang_bang="yes")
    with pytest.raises(ValueError, match="max_trials"):
        direct_hdp_trials(jax.random.key(0), CartPoleADPJax(), max_trials=0)
    with pytest.raises(ValueError, match="state_scales"):
        direct_hdp_trials(jax.random.key(0), CartPoleADPJax(), state_scales=[1.0, 2.0])


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("critic_rate", -0.1, ValueError),
        ("actor_rate", float("nan"), ValueError),
        ("gamma", 1.5, ValueError),
        ("gamma", -0.01, ValueError),
        ("gamma", "0.9", TypeError),
        ("hidden", 0, ValueError),
        ("hidden", 2.5, TypeError),
        ("decay_every", True, TypeError),
        ("critic_cycles", None, TypeError),
        ("init_scale", 0.0, ValueError),
        ("max_weight", float("inf"), ValueError),
        ("objective", float("-inf"), ValueError),
        ("critic_form", "hdp", ValueError),
    ],
)
def test_a_bad_config_is_refused_when_it_is_made_naming_the_field(field, value, error):
    """A NamedTuple does not check itself: ``DirectHDPConfig(gamma=1.5)`` or a negative
    rate was accepted and refused only where used (or, for a field no check read, never).
    Now it is refused when made, by keyword, by position or by ``_replace``."""
    match = f"DirectHDPConfig.{field} must be"
    with pytest.raises(error, match=match):
        DirectHDPConfig(**{field: value})
    with pytest.raises(error, match=match):
        DirectHDPConfig(
            *[value if f == field else d for f, d in DirectHDPConfig()._asdict().items()]
        )
    with pytest.raises(error, match=match):
        DirectHDPConfig()._replace(**{field: value})


def test_a_checked_config_is_still_a_namedtuple_and_a_pytree():
    import pickle

    config = DirectHDPConfig(hidden=4, gamma=np.float32(0.9), critic_form="td")
    assert isinstance(config, tuple) and config._fields[0] == "hidden" and config[0] == 4
    assert config._replace(hidden=5) == (5, *config[1:]) and config._asdict()["critic_form"] == "td"
    assert pickle.loads(pickle.dumps(config)) == config == copy.deepcopy(config)
    assert hash(config) == hash(DirectHDPConfig(4, np.float32(0.9), critic_form="td"))
    # JAX sees the same leaves and key paths as a plain NamedTuple's, and rebuilds it with
    # anything (here None) unchecked, as it did
    assert jax.tree.leaves(config) == list(config)
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_leaves_with_path(config)]
    assert paths[:2] == [".hidden", ".gamma"]
    empty = jax.tree.map(lambda _: None, config)
    assert type(empty) is DirectHDPConfig and empty.gamma is None
    assert jax.tree.map(lambda x: x, config) == config


def test_save_load_continues_identically(tmp_path):
    agent, env = _agent(seed=2)
    agent.new_episode(env.reset())
    for _ in range(15):
        if agent.done:
            agent.new_episode(env.reset())
        agent(env)
    agent.save(tmp_path / "a")
    twin_env = copy.deepcopy(env)
    back = DirectHDP.load(tmp_path / "a", CartPoleBalance(), ChannelPolicy(twin_env.m_channels))

    def go(ag, e):
        forces = []
        for _ in range(25):
            if ag.done:
                ag.new_episode(e.reset())
            ag(e)
            forces.append(float(ag.a_curr[0]))
        return forces, ag.j_prev

    assert go(agent, env) == go(back, twin_env)
    (tmp_path / "a" / "direct_hdp.npz").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="direct_hdp.npz"):
        DirectHDP.load(tmp_path / "a", CartPoleBalance(), ChannelPolicy(env.m_channels))


def test_a_hand_edited_last_signal_is_refused_naming_the_file(tmp_path):
    """s_curr was loaded unchecked: 'garbage' failed at the next step naming no file."""
    import json

    agent, env = _agent(seed=2)
    agent.new_episode(env.reset())
    agent(env)
    agent.save(tmp_path / "a")
    path = next(p for p in (tmp_path / "a").iterdir() if p.suffix == ".json")
    header = json.loads(path.read_text())
    header["s_curr"] = "garbage"
    path.write_text(json.dumps(header))
    with pytest.raises(ValueError, match="s_curr must be None or a mapping"):
        DirectHDP.load(tmp_path / "a", CartPoleBalance(), ChannelPolicy(env.m_channels))


def test_compiled_runs_are_seeded_and_count_their_steps():
    kw = dict(max_trials=3, balanced_steps=40, bang_bang=True, stuck_trials=2)
    runs = direct_hdp_batch([0, 1, 0], CartPoleADPJax(), **kw)
    lengths = np.asarray(runs.lengths)
    np.testing.assert_array_equal(lengths[0], lengths[2])
    assert not np.array_equal(lengths[0], lengths[1])  # another seed, another run
    np.testing.assert_array_equal(np.asarray(runs.steps), lengths.sum(axis=1))
    trials = np.asarray(runs.trials)
    for t, row in zip(trials, lengths):
        if t:  # the trial that succeeded lasted balanced_steps, those before it failed
            assert row[t - 1] == 40 and np.all(row[: t - 1] < 40)
        else:
            assert np.all((row > 0) & (row < 40))


_ON_TWO_DEVICES = r"""
import json
import numpy as np
from sensorimotor.agents.direct_hdp.direct_hdp_compiled import direct_hdp_batch
from sensorimotor.envs import CartPoleADPJax
kw = dict(max_trials=4, balanced_steps=60, bang_bang=True, stuck_trials=2)
runs = direct_hdp_batch([0, 1, 2], CartPoleADPJax(), **kw)  # 2 seeds on one device, 1 on the other
print(json.dumps(np.asarray(runs.lengths).tolist()))
"""


def test_compiled_runs_split_across_two_devices_are_the_same_runs():
    """direct_hdp_batch splits its seeds across the devices (vmap_over_devices): each
    device runs its own while loop, and a seed's trials do not depend on the split."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    done = subprocess.run(
        [sys.executable, "-c", _ON_TWO_DEVICES],
        env=env | {"JAX_NUM_CPU_DEVICES": "2"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    two = json.loads(done.stdout.strip().splitlines()[-1])
    kw = dict(max_trials=4, balanced_steps=60, bang_bang=True, stuck_trials=2)
    one = np.asarray(direct_hdp_batch([0, 1, 2], CartPoleADPJax(), **kw).lengths).tolist()
    assert len(jax.devices()) == 1 and two == one


def test_a_seed_past_int32_is_its_own_key_and_one_past_uint32_is_refused():
    kw = dict(max_trials=2, balanced_steps=40, bang_bang=True, stuck_trials=2)
    seed = 2**31 + 5  # overflowed int32 before
    runs = direct_hdp_batch([seed], CartPoleADPJax(), **kw)
    alone = direct_hdp_trials(jax.random.key(seed), CartPoleADPJax(), None, **kw)
    np.testing.assert_array_equal(np.asarray(runs.lengths)[0], np.asarray(alone.lengths))
    with pytest.raises(ValueError, match="seeds must be a non-negative int below 2"):
        direct_hdp_batch([2**32], CartPoleADPJax(), **kw)


def test_a_refused_start_changes_nothing():
    # found by the fuzzer: new_episode reset the plant and the policy and counted an
    # episode before it looked at the start it was given
    env = CartPoleADP({"seed": 0})
    agent = DirectHDP(CartPoleBalance(), ChannelPolicy(env.m_channels), action_scale=10.0)
    agent.new_episode(env.reset())
    agent(env)
    before = (agent.episode, agent.num_step, agent.done, np.copy(agent.a_curr))
    with pytest.raises(ValueError, match="theta"):
        agent.new_episode({"x": 0.0, "x_dot": 0.0, "theta": float("nan"), "theta_dot": 0.0})
    after = (agent.episode, agent.num_step, agent.done, np.copy(agent.a_curr))
    assert before[:3] == after[:3] and np.array_equal(before[3], after[3])


def test_direct_hdp_batch_refuses_bad_settings_naming_them():
    """stuck_trials -1 re-drew the weights after every failure, 2.5 gave a JAX indexing
    error, zero or NaN state scales ran on inf or NaN states, and 'no' was a bang-bang."""
    from sensorimotor.agents import direct_hdp_batch
    from sensorimotor.envs import CartPoleADPJax

    kw = dict(max_trials=2, balanced_steps=20)
    for bad, match in (
        (dict(stuck_trials=-1), "stuck_trials must be a non-negative int"),
        (dict(stuck_trials=2.5), "stuck_trials must be a non-negative int"),
        (dict(state_scales=[np.nan, 1, 1, 1]), "state_scales must be positive finite"),
        (dict(state_scales=[0, 1, 1, 1]), "state_scales must be positive finite"),
    ):
        with pytest.raises(ValueError, match=match):
            direct_hdp_batch([0], CartPoleADPJax(), **kw, **bad)
    with pytest.raises(TypeError, match="bang_bang must be True or False"):
        direct_hdp_batch([0], CartPoleADPJax(), **kw, bang_bang="no")


def test_direct_hdp_refuses_a_seed_a_key_cannot_hold_and_bad_arguments():
    """seed 2**32 drew seed 0's weights and -1 those of 2**32 - 1; a NaN action_scale was
    named 'action'; a dict config raised AttributeError."""
    env = CartPoleADP({"seed": 0})
    args = (CartPoleBalance(), ChannelPolicy(env.m_channels))
    for seed in (2**32, -1):
        with pytest.raises(ValueError, match="seed must be a non-negative int below 2"):
            DirectHDP(*args, seed=seed)
    for scale in (float("nan"), 0.0, [1.0, 2.0]):
        with pytest.raises(ValueError, match="action_scale must be a positive finite number"):
            DirectHDP(*args, action_scale=scale)
    with pytest.raises(TypeError, match="config must be a DirectHDPConfig, got dict"):
        DirectHDP(*args, config={"hidden": 3})
    assert DirectHDP(*args, seed=2**32 - 1, action_scale=np.float32(2.0)).action_scale == 2.0
