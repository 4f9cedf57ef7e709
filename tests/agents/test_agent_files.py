"""What the agents' files keep and refuse, across DQN, StreamQ, StreamAC and the policy
agents: the generator behind ``predict(deterministic=False)`` is saved (optional on load:
files written before it was saved load with the fresh one), and a hand-edited header or
array that the agent could not have written is a ``ValueError`` naming the file."""

import json
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from sensorimotor.agents import DQN, Reinforce, StreamAC, StreamQ

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import DQN_FAST, REINFORCE_FAST, STREAM_AC_FAST, STREAM_Q_SOLVES  # noqa: E402
from identity_envs import IdentityEnv  # noqa: E402

OBS = np.eye(3, dtype=np.float32)[0]
# the settings of the agents of test_dqn, test_stream_q, test_stream_ac and test_reinforce
# (DQN's learning from step 5): their compiled programs are the same, so the run's
# persistent compilation cache serves them here
KW = {
    DQN: dict(DQN_FAST, learning_starts=5),
    StreamQ: STREAM_Q_SOLVES,
    StreamAC: STREAM_AC_FAST,
    Reinforce: REINFORCE_FAST,
}


def edit(src, dst, header=None, arrays=None):
    """Copy the agent file ``src`` to ``dst``, editing its header dict and/or arrays."""
    d = dict(np.load(src, allow_pickle=False))
    h = json.loads(str(d["header"]))
    if header:
        header(h)
    if arrays:
        arrays(d)
    d["header"] = np.array(json.dumps(h))
    np.savez(dst, **d)
    return dst


def _stochastic(agent, n=30):
    return [int(agent.predict(OBS, deterministic=False)[0]) for _ in range(n)]


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC, Reinforce])
def test_stochastic_predictions_continue_identically_after_load(cls, tmp_path):
    agent = cls(IdentityEnv(), seed=0, **KW[cls])
    agent.learn(30)
    if hasattr(agent, "exploration_rate"):
        agent.exploration_rate = 0.5
    _stochastic(agent, 5)  # advance the predict generator
    agent.save(tmp_path / "a.npz")
    loaded = cls.load(tmp_path / "a.npz")
    assert _stochastic(loaded) == _stochastic(agent)


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC])
def test_a_file_without_the_predict_generator_loads_with_the_fresh_one(cls, tmp_path):
    agent = cls(IdentityEnv(), seed=0, **KW[cls])
    agent.save(tmp_path / "a.npz")
    old = edit(
        tmp_path / "a.npz", tmp_path / "old.npz", header=lambda h: h.pop("predict_rng_state")
    )
    loaded = cls.load(old)
    fresh = cls(IdentityEnv(), seed=0, **KW[cls])
    assert _stochastic(loaded) == _stochastic(fresh)


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC])
@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h["predict_rng_state"]["state"].update(inc=-1),
        lambda h: h["predict_rng_state"].pop("uinteger"),  # NumPy's KeyError (make fuzz)
        lambda h: h["predict_rng_state"].pop("state"),
        lambda h: h["rng_state"].pop("has_uint32"),
    ],
    ids=["inc", "no uinteger", "no state", "training generator"],
)
def test_a_hand_edited_predict_generator_is_refused_naming_the_file(cls, tamper, tmp_path):
    cls(IdentityEnv(), seed=0, **KW[cls]).save(tmp_path / "a.npz")
    bad = edit(tmp_path / "a.npz", tmp_path / "bad.npz", header=tamper)
    with pytest.raises(ValueError, match="bad.npz"):
        cls.load(bad)


DQN_KW = dict(learning_starts=10, train_freq=4, buffer_size=100, batch_size=8, net_arch=[8])


def _bad_actions(d):
    d["buffer/1"][3] = 7  # Transition's action; IdentityEnv has Discrete(3)


def _bad_terminated(d):
    d["buffer/4"][:] = 3.5  # Transition's terminated flag


@pytest.mark.parametrize(
    "header, arrays, match",
    [
        (lambda h: h.update(buffer_position=5), None, "buffer position 5 with count 40"),
        (lambda h: h.update(buffer_position=100), None, "out of range"),
        (lambda h: h.update(exploration_rate=float("nan")), None, "exploration_rate nan"),
        (lambda h: h.update(exploration_rate=5.0), None, "exploration_rate 5.0"),
        (lambda h: h.update(exploration_rate=-0.1), None, "exploration_rate -0.1"),
        (lambda h: h.update(n_calls=-7), None, "must be a non-negative int"),
        (lambda h: h.update(n_updates=-3), None, "must be a non-negative int"),
        (None, _bad_actions, r"actions outside \[0, 3\)"),
        (None, _bad_terminated, "terminated flags other than 0 and 1"),
    ],
    ids=[
        "position",
        "position-past",
        "eps-nan",
        "eps-5",
        "eps-neg",
        "n_calls",
        "n_updates",
        "action",
        "terminated",
    ],
)
def test_a_dqn_file_the_agent_could_not_have_written_is_refused(tmp_path, header, arrays, match):
    agent = DQN(IdentityEnv(), seed=0, **DQN_KW)
    agent.learn(40)  # 40 of 100 slots written: position == count == 40
    agent.save(tmp_path / "d.npz")
    DQN.load(tmp_path / "d.npz", env=IdentityEnv())  # the file as saved loads
    bad = edit(tmp_path / "d.npz", tmp_path / "bad.npz", header=header, arrays=arrays)
    with pytest.raises(ValueError, match=f"bad.npz.*{match}"):
        DQN.load(bad, env=IdentityEnv())


def test_a_full_dqn_buffer_loads_at_any_position_in_range(tmp_path):
    agent = DQN(IdentityEnv(), seed=0, **dict(DQN_KW, buffer_size=16))
    agent.learn(40)  # wrapped: count 16, position 40 % 16
    agent.save(tmp_path / "d.npz")
    other = edit(
        tmp_path / "d.npz", tmp_path / "p.npz", header=lambda h: h.update(buffer_position=3)
    )
    assert int(DQN.load(other).buffer.position) == 3


@pytest.mark.parametrize("eps", [float("nan"), 1.5, -1.0])
def test_a_stream_q_file_with_an_exploration_rate_out_of_range_is_refused(tmp_path, eps):
    StreamQ(IdentityEnv(), seed=0, **KW[StreamQ]).save(tmp_path / "q.npz")
    bad = edit(
        tmp_path / "q.npz", tmp_path / "bad.npz", header=lambda h: h.update(exploration_rate=eps)
    )
    with pytest.raises(ValueError, match="bad.npz.*exploration_rate"):
        StreamQ.load(bad)


HUMANOID = "sensorimotor/ToyHumanoid-v0"  # StreamAC's default settings on it, as elsewhere


@pytest.mark.parametrize(
    "low, high",
    [([float("nan")] * 6, [-5.0] * 6), ([2.0] * 6, [-2.0] * 6)],
    ids=["nan", "low>high"],
)
def test_stream_ac_bounds_that_are_nan_or_reversed_are_refused(tmp_path, low, high):
    StreamAC(HUMANOID, seed=0).save(tmp_path / "ac.npz")
    bad = edit(
        tmp_path / "ac.npz",
        tmp_path / "bad.npz",
        header=lambda h: h.update(action_low=low, action_high=high),
    )
    with pytest.raises(ValueError, match="bad.npz.*action bounds"):
        StreamAC.load(bad)


def test_stream_ac_refuses_an_env_whose_bounds_differ_from_the_saved_ones(tmp_path):
    StreamAC(HUMANOID, seed=0).save(tmp_path / "ac.npz")
    StreamAC.load(tmp_path / "ac.npz", env=HUMANOID)  # the same bounds load
    other = edit(
        tmp_path / "ac.npz",
        tmp_path / "other.npz",
        header=lambda h: h.update(action_low=[5.0] * 6, action_high=[6.0] * 6),
    )
    assert StreamAC.load(other).action_low.tolist() == [5.0] * 6  # without an env: the file's
    with pytest.raises(ValueError, match="env: its action bounds .* differ .*other.npz"):
        StreamAC.load(other, env=HUMANOID)


@pytest.mark.parametrize(
    "space",
    [dict(low=[float("nan")], high=[-3.0]), dict(low=[2.0], high=[-2.0])],
    ids=["nan", "low>high"],
)
def test_a_policy_agents_bounds_that_are_nan_or_reversed_are_refused(tmp_path, space):
    Reinforce("Pendulum-v1", seed=0, net_arch=[4]).save(tmp_path / "r.npz")
    bad = edit(
        tmp_path / "r.npz", tmp_path / "bad.npz", header=lambda h: h["action_space"].update(space)
    )
    with pytest.raises(ValueError, match="bad.npz.*action bounds"):
        Reinforce.load(bad)


def test_a_policy_agents_discrete_n_must_be_its_networks_number_of_actions(tmp_path):
    from sensorimotor.agents import BehavioralCloning

    BehavioralCloning("CartPole-v1", seed=0, net_arch=[4]).save(tmp_path / "bc.npz")
    bad = edit(
        tmp_path / "bc.npz", tmp_path / "bad.npz", header=lambda h: h["action_space"].update(n=5)
    )
    with pytest.raises(ValueError, match="bad.npz.*n 5.*n_actions is 2"):
        BehavioralCloning.load(bad)


def test_a_policy_agents_negative_update_count_is_refused(tmp_path):
    Reinforce(IdentityEnv(), seed=0, net_arch=[4]).save(tmp_path / "r.npz")
    bad = edit(tmp_path / "r.npz", tmp_path / "bad.npz", header=lambda h: h.update(n_updates=-1))
    with pytest.raises(ValueError, match="bad.npz.*n_updates"):
        Reinforce.load(bad)


def _leaf_key(prefix, tree, suffix):
    """The file's array name of the first leaf of ``tree`` whose path ends in ``suffix``."""
    for i, (p, _) in enumerate(jax.tree_util.tree_flatten_with_path(tree)[0]):
        if jax.tree_util.keystr(p).endswith(suffix):
            return f"{prefix}/{i}"
    raise KeyError(suffix)


def _tamper(src, dst, key, value):
    d = dict(np.load(src, allow_pickle=False))
    d[key] = np.full_like(d[key], value)
    np.savez(dst, **d)
    return dst


@pytest.mark.parametrize(
    "cls, prefix, attr, suffix",
    [
        (DQN, "opt", "opt_state", ".count"),  # Adam's bias correction < 0: NaN network
        (DQN, "opt", "opt_state", ".nu[0].w"),  # sqrt of a negative second moment: NaN
        (Reinforce, "opt", "opt_state", ".nu[0].net[0].w"),
        (StreamQ, "state", "state", ".obs_stats.count"),  # every update then discarded
        (StreamQ, "state", "state", ".obs_stats.m2"),
        (StreamQ, "state", "state", ".reward_scale.stats.count"),
        (StreamQ, "state", "state", ".reward_scale.stats.m2"),
        (StreamQ, "state", "state", ".q.guard_count"),
        (StreamAC, "state", "state", ".actor.step"),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", None),
)
def test_a_state_no_update_could_have_made_is_refused_naming_the_file(
    tmp_path, cls, prefix, attr, suffix
):
    """A tampered file with a negative Adam count or second moment, normaliser count or
    sum of squares, or counter loaded: DQN's network then turned NaN at its first training
    phase, StreamQ's guard discarded every update for ever."""
    agent = cls(IdentityEnv(), seed=0, **KW[cls])
    agent.learn(60)
    agent.save(tmp_path / "a.npz")
    cls.load(tmp_path / "a.npz", env=IdentityEnv())  # the file as saved loads
    key = _leaf_key(prefix, getattr(agent, attr), suffix)
    bad = _tamper(tmp_path / "a.npz", tmp_path / "bad.npz", key, -1)
    with pytest.raises(ValueError, match=rf"bad\.npz.*{key}.*negative"):
        cls.load(bad, env=IdentityEnv())


NOT_COUNTS = [2.5, True, "3", None]


@pytest.mark.parametrize("value", NOT_COUNTS, ids=repr)
@pytest.mark.parametrize("field", ["n_calls", "n_updates", "buffer_count", "buffer_position"])
def test_a_dqn_counter_that_is_not_a_non_negative_int_is_refused(tmp_path, field, value):
    """int() read 2.5 as 2, True as 1 and "3" as 3 from a hand-edited header."""
    agent = DQN(IdentityEnv(), seed=0, **DQN_KW)
    agent.learn(40)
    agent.save(tmp_path / "d.npz")
    bad = edit(tmp_path / "d.npz", tmp_path / "bad.npz", header=lambda h: h.update({field: value}))
    with pytest.raises(ValueError, match=rf"bad\.npz.*{field} must be a non-negative int"):
        DQN.load(bad)


@pytest.mark.parametrize("value", NOT_COUNTS, ids=repr)
def test_a_policy_agents_update_count_that_is_not_a_non_negative_int_is_refused(tmp_path, value):
    Reinforce(IdentityEnv(), seed=0, net_arch=[4]).save(tmp_path / "r.npz")
    bad = edit(tmp_path / "r.npz", tmp_path / "bad.npz", header=lambda h: h.update(n_updates=value))
    with pytest.raises(ValueError, match=r"bad\.npz.*n_updates must be a non-negative int"):
        Reinforce.load(bad)


@pytest.mark.parametrize("value", [3.0, True, "3"], ids=repr)
def test_a_policy_agents_action_count_that_is_not_an_int_is_refused(tmp_path, value):
    Reinforce(IdentityEnv(), seed=0, net_arch=[4]).save(tmp_path / "r.npz")
    bad = edit(
        tmp_path / "r.npz",
        tmp_path / "bad.npz",
        header=lambda h: h["action_space"].update(n=value),
    )
    with pytest.raises(ValueError, match=r"bad\.npz.*n must be a positive int"):
        Reinforce.load(bad)


@pytest.mark.parametrize(
    "field, value",
    [
        ("num_timesteps", 2.5),
        ("num_timesteps", True),
        ("num_timesteps", "3"),
        ("n_actions", 3.0),
        ("n_actions", True),
        ("observation_shape", [3.0]),
        ("observation_shape", [True, 3]),
    ],
    ids=repr,
)
@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC, Reinforce])
def test_an_agents_integer_header_field_that_is_not_an_int_is_refused(tmp_path, cls, field, value):
    cls(IdentityEnv(), seed=0, **KW[cls]).save(tmp_path / "a.npz")
    bad = edit(tmp_path / "a.npz", tmp_path / "bad.npz", header=lambda h: h.update({field: value}))
    with pytest.raises(ValueError, match=rf"bad\.npz.*{field}"):
        cls.load(bad)


@pytest.mark.parametrize("value", ["false", 0, None])
def test_a_policy_agents_discrete_flag_that_is_not_a_bool_is_refused(tmp_path, value):
    """bool("false") is True: a continuous agent's file loaded as a discrete one."""
    Reinforce("Pendulum-v1", seed=0, net_arch=[4]).save(tmp_path / "r.npz")
    bad = edit(
        tmp_path / "r.npz",
        tmp_path / "bad.npz",
        header=lambda h: h["action_space"].update(discrete=value),
    )
    with pytest.raises(ValueError, match=r"bad\.npz.*discrete must be true or false"):
        Reinforce.load(bad)
