"""The lesson's toy humanoid, repaired: the Gymnasium and JAX faces over one dynamics (issue 11)."""

import warnings

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sensorimotor.envs import (
    AutoReset,
    ToyHumanoid,
    ToyHumanoidEnv,
    ToyHumanoidParams,
    ToyHumanoidState,
    discrete_torques,
    toy_humanoid_reward,
    toy_humanoid_step,
)


def lesson_step(state, action):
    """The lesson's own update, as written there (with the agent's action applied)."""
    state = state.copy()
    action = np.clip(action, -1, 1)
    state[:6] += state[6:] * 0.01
    state[6:] += action * 0.01
    distance = np.linalg.norm(state[:3] - np.array([1.0, 0.0, 0.8]))
    reward = -distance
    if state[2] > 0.5:
        reward += 0.1
    reward += np.sum(np.abs(state[:6]) > 1.5) * -0.5
    return state, reward


def test_the_step_and_reward_are_the_lessons():
    rng = np.random.default_rng(0)
    for _ in range(200):
        state = rng.uniform(-2, 2, 12)
        action = rng.uniform(-2, 2, 6)
        expected, reward = lesson_step(state, action)
        got = toy_humanoid_step(state, action)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
        assert float(toy_humanoid_reward(got)) == pytest.approx(reward, abs=1e-12)


def test_reward_terms():
    state = np.zeros(12)
    state[:3] = [1.0, 0.0, 0.8]
    assert float(toy_humanoid_reward(state)) == pytest.approx(0.1)  # at the target, above 0.5
    state[3:5] = [1.6, -2.0]
    assert float(toy_humanoid_reward(state)) == pytest.approx(0.1 - 1.0)
    state[2] = 0.4
    assert float(toy_humanoid_reward(state)) == pytest.approx(-0.4 - 1.0)


def gym_rollout(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    start = env.state.copy()
    out = []
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(a)
        out.append((obs, reward, terminated, truncated, info))
    return start, out


def jax_rollout(env, start, actions):
    dtype = jnp.zeros(()).dtype
    state = ToyHumanoidState(jnp.asarray(start, dtype), jnp.zeros((), jnp.int32))

    def body(state, action):
        obs, state, reward, terminated, truncated, _ = env.step(None, state, action)
        return state, (obs, reward, terminated, truncated)

    return jax.lax.scan(jax.jit(body), state, jnp.asarray(actions))[1]


@pytest.mark.parametrize("discrete", [False, True])
def test_the_two_faces_take_the_same_steps(discrete):
    rng = np.random.default_rng(1)
    if discrete:
        actions = rng.integers(0, 13, 100)
    else:
        actions = rng.uniform(-1.2, 1.2, (100, 6)).astype(np.float32)
    gym_env = ToyHumanoidEnv(discrete_actions=discrete)
    start, out = gym_rollout(gym_env, 3, list(actions))
    with jax.enable_x64(True):
        obs, reward, terminated, truncated = jax_rollout(
            ToyHumanoid(discrete_actions=discrete), start, actions
        )
        obs, reward = np.asarray(obs), np.asarray(reward)
    np.testing.assert_array_equal(obs.astype(np.float32), np.array([o[0] for o in out]))
    np.testing.assert_allclose(reward, [o[1] for o in out], rtol=0, atol=1e-12)
    assert not np.asarray(terminated).any() and not any(o[2] for o in out)
    assert np.asarray(truncated).tolist() == [o[3] for o in out] == [False] * 99 + [True]


def test_the_agents_action_is_the_one_applied():
    env = ToyHumanoidEnv()
    env.reset(seed=0)
    velocities = env.state[6:].copy()
    action = np.array([0.5, -1.0, 3.0, 0.0, 0.25, -0.75], np.float32)
    *_, info = env.step(action)
    np.testing.assert_array_equal(info["torque"], np.clip(action.astype(np.float64), -1, 1))
    np.testing.assert_allclose(env.state[6:] - velocities, 0.01 * info["torque"], atol=1e-15)
    discrete = ToyHumanoidEnv(discrete_actions=True)
    discrete.reset(seed=0)
    for a in range(13):
        *_, info = discrete.step(a)
        np.testing.assert_array_equal(info["torque"], discrete_torques()[a])


def test_the_discrete_set_is_no_torque_or_one_joint_pushed_either_way():
    table = discrete_torques()
    assert table.shape == (13, 6) and not table[0].any()
    assert np.all(np.abs(table[1:]).sum(axis=1) == 1.0)
    assert {tuple(r) for r in table[1:]} == {
        tuple(s * np.eye(6)[j]) for j in range(6) for s in (1.0, -1.0)
    }


@pytest.mark.parametrize(
    "env_id", ["sensorimotor/ToyHumanoid-v0", "sensorimotor/ToyHumanoidDiscrete-v0"]
)
def test_registered_and_passing_check_env(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gymnasium.make(env_id)
        check_env(env.unwrapped)
    assert env.spec.max_episode_steps is None  # the environment truncates itself at 100
    assert env.unwrapped.discrete_actions == ("Discrete" in env_id)


def test_episodes_stay_in_the_observation_box_and_truncate_at_100():
    for action in (np.ones(6, np.float32), -np.ones(6, np.float32)):
        env = ToyHumanoidEnv()
        obs, _ = env.reset(seed=0)
        env.state = np.full(12, 0.1) * np.sign(action[0])  # the start's corner
        for t in range(100):
            obs, _, terminated, truncated, _ = env.step(action)
            assert obs in env.observation_space and not terminated
            assert truncated == (t == 99)
        assert np.abs(obs).max() > 0.99 * env.observation_space.high.min()  # a tight box
        with pytest.raises(RuntimeError, match="truncated"):
            env.step(action)


def snapshot(env):
    return env.state.copy(), env.steps, env.np_random.bit_generator.state


@pytest.mark.parametrize(
    "discrete, action, error, match",
    [
        (False, np.full(6, np.nan, np.float32), ValueError, r"action\[0\] is nan"),
        (False, np.zeros(5, np.float32), ValueError, "shape"),
        (False, np.zeros((1, 6), np.float32), ValueError, "shape"),
        (False, "go", TypeError, "numeric"),
        (False, [None] * 6, TypeError, "numeric"),
        (True, 13, ValueError, r"in \[0, 13\)"),
        (True, -1, ValueError, r"in \[0, 13\)"),
        (True, 1.0, TypeError, "must be an int"),
        (True, True, TypeError, "must be an int"),
        (True, np.array([1]), TypeError, "must be an int"),
        (True, "1", TypeError, "must be an int"),
    ],
)
def test_bad_actions_raise_naming_the_action_with_the_state_unchanged(
    discrete, action, error, match
):
    env = ToyHumanoidEnv(discrete_actions=discrete)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    before = snapshot(env)
    with pytest.raises(error, match=match) as info:
        env.step(action)
    assert "action" in str(info.value)
    after = snapshot(env)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1:] == before[1:]


def test_bad_settings_and_step_before_reset():
    with pytest.raises(TypeError, match="unknown keyword"):
        ToyHumanoidEnv(dt2=0.1)
    with pytest.raises(ValueError, match="ToyHumanoidParams.dt"):
        ToyHumanoidEnv(dt=-0.01)
    with pytest.raises(ValueError, match="target"):
        ToyHumanoidEnv(target=(1.0, 2.0))
    with pytest.raises(TypeError, match="discrete_actions"):
        ToyHumanoid(discrete_actions=1)
    with pytest.raises(RuntimeError, match="reset"):
        ToyHumanoidEnv().step(np.zeros(6, np.float32))
    assert ToyHumanoidEnv(max_steps=10).params.max_steps == 10


def test_same_seed_same_trajectory():
    actions = np.random.default_rng(0).uniform(-1, 1, (100, 6)).astype(np.float32)
    runs = [gym_rollout(ToyHumanoidEnv(), 5, actions)[1] for _ in range(2)]
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]
    # another seed, another start (a reset ignoring its seed, or drawing nothing, passed)
    starts = [ToyHumanoidEnv().reset(seed=seed)[0] for seed in (5, 5, 6)]
    np.testing.assert_array_equal(starts[0], starts[1])
    assert not np.any(starts[0] == starts[2])
    env = ToyHumanoid()
    first = np.asarray(jax.vmap(env.reset)(jax.random.split(jax.random.key(0), 50))[0])
    again = jax.vmap(env.reset)(jax.random.split(jax.random.key(0), 50))[0]
    np.testing.assert_array_equal(first, np.asarray(again))
    other = np.asarray(jax.vmap(env.reset)(jax.random.split(jax.random.key(1), 50))[0])
    assert not np.any(first == other)
    # each key its own start, uniform over the start box [-0.1, 0.1]
    assert len({row.tobytes() for row in first}) == 50
    assert np.all(np.abs(first) <= 0.1) and np.abs(first).max() > 0.099
    assert abs(first.mean()) < 0.01 and first.std() == pytest.approx(0.2 / np.sqrt(12), rel=0.1)


def test_the_jax_face_compiles_once_under_vmap_and_scan():
    env = AutoReset(ToyHumanoid(discrete_actions=True))

    def rollout(key, params):
        obs, state = env.reset(key, params)

        def body(state, key):
            action = jax.random.randint(key, (), 0, env.num_actions)
            _, state, reward, _, truncated, _ = env.step(key, state, action, params)
            return state, (reward, truncated)

        return jax.lax.scan(body, state, jax.random.split(key, 250))[1]

    run = jax.jit(jax.vmap(rollout, in_axes=(0, None)))
    reward, truncated = run(jax.random.split(jax.random.key(0), 4), ToyHumanoidParams())
    assert env.num_actions == 13 and reward.shape == (4, 250)
    assert np.asarray(truncated).sum(axis=1).tolist() == [2, 2, 2, 2]  # steps 100 and 200
    size = run._cache_size()
    run(jax.random.split(jax.random.key(1), 4), ToyHumanoidParams(dt=0.02, target=(0.0, 0.0, 0.0)))
    assert run._cache_size() == size == 1, "unexpected recompile"


def test_the_jax_face_refuses_wrong_action_shapes_when_traced():
    _, state = ToyHumanoid().reset(jax.random.key(0))
    with pytest.raises(ValueError, match=r"shape \(6,\)"):
        ToyHumanoid().step(None, state, jnp.zeros(5))
    with pytest.raises(ValueError, match="scalar"):
        ToyHumanoid(discrete_actions=True).step(None, state, jnp.zeros(6, jnp.int32))
    assert ToyHumanoid().action_space() == gymnasium.spaces.Box(-1.0, 1.0, (6,), np.float32)
    assert ToyHumanoid().observation_space() == ToyHumanoidEnv().observation_space


def test_a_timedelta64_is_not_a_discrete_action():
    """np.timedelta64(1, 's') passed the int check (NumPy makes it an integer) and failed
    inside int() with a message that did not name the action (found by the fuzz suite)."""
    import gymnasium
    import numpy as np
    import pytest

    from sensorimotor.envs import check_discrete_action

    with pytest.raises(TypeError, match="action"):
        check_discrete_action(np.timedelta64(1, "s"), gymnasium.spaces.Discrete(13))


@pytest.mark.parametrize("action", [13, -1, 100, np.int64(-14)])
def test_an_eager_call_refuses_a_discrete_action_out_of_range(action):
    """Out of [0, 13) JAX's indexing picked a row silently (-1 was action 12): a value
    known outside a trace is refused naming the action; the state passed in is untouched."""
    env = ToyHumanoid(discrete_actions=True)
    _, state = env.reset(jax.random.key(0))
    before = np.asarray(state.joints).copy()
    with pytest.raises(ValueError, match=r"action must be an int in \[0, 13\)"):
        env.step(None, state, action)
    with pytest.raises(ValueError, match=r"action must be an int in \[0, 13\)"):
        env.torque(jnp.asarray(action))
    np.testing.assert_array_equal(np.asarray(state.joints), before)
    np.testing.assert_array_equal(env.torque(12), discrete_torques()[12])


def test_compiled_code_clamps_a_discrete_action_out_of_range_as_documented():
    env = ToyHumanoid(discrete_actions=True)
    torque = jax.jit(env.torque)
    table = discrete_torques()
    for action, row in ((-1, 12), (-13, 0), (-14, 0), (13, 12), (100, 12)):
        np.testing.assert_array_equal(np.asarray(torque(action)), table[row])
    assert "-1 is action 12" in " ".join(ToyHumanoid.__doc__.split())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_an_eager_call_refuses_a_non_finite_torque(bad):
    """A NaN torque passed the clip silently and made the joint velocities NaN for the rest
    of the episode; an eager call now refuses it naming the action, state untouched."""
    env = ToyHumanoid()
    _, state = env.reset(jax.random.key(0))
    before = np.asarray(state.joints).copy()
    action = jnp.zeros(6).at[2].set(bad)
    with pytest.raises(ValueError, match=r"action\[2\] is .*: the torques must be finite"):
        env.step(None, state, action)
    with pytest.raises(ValueError, match=r"action\[2\]"):
        AutoReset(env).step(jax.random.key(1), state, action)
    np.testing.assert_array_equal(np.asarray(state.joints), before)
    # a finite torque outside [-1, 1] is still clipped, not refused
    obs, *_ = env.step(None, state, jnp.full(6, 5.0))
    np.testing.assert_array_equal(obs, env.step(None, state, jnp.ones(6))[0])


@pytest.mark.parametrize("action", [1.0, 0.5, True, jnp.float32(2.0), jnp.asarray(False)])
def test_a_discrete_action_that_is_not_an_int_is_refused_naming_it(action):
    """A float failed inside JAX's indexing ('Indexer must have integer or boolean type')
    and a bool indexed the table as a mask ('Cannot concatenate arrays...', under jit a
    NonConcreteBooleanIndexError): neither named the action. The dtype is known under jit
    too, so compiled code refuses it as well."""
    env = ToyHumanoid(discrete_actions=True)
    _, state = env.reset(jax.random.key(0))
    with pytest.raises(TypeError, match="action must be an int, got dtype"):
        env.step(None, state, action)
    with pytest.raises(TypeError, match="action must be an int, got dtype"):
        jax.jit(env.step)(None, state, action)
    assert int(env.step(None, state, np.uint8(3))[1].time) == 1
