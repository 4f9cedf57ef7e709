"""The JAX cart-pole and its dynamics against Gymnasium's CartPole-v1 (issue 11, item 4)."""

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.envs import (
    AutoReset,
    CartPole,
    CartPoleEnvParams,
    CartPoleParams,
    CartPoleState,
    cartpole_step,
)
from sensorimotor.envs.cartpole.cartpole_dynamics import check_cartpole_params

SEEDS = range(5)


def balancing(obs, rng):
    """A feedback rule that keeps the pole up for the whole 500 steps."""
    return int(obs[2] + 0.5 * obs[3] > 0)


def random_actions(obs, rng):
    return int(rng.integers(2))


def gym_trajectory(seed, policy, steps=500):
    """Gymnasium's start, actions and states (float64), rewards and flags of one episode."""
    env = gymnasium.make("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    start = env.unwrapped.state.copy()
    rng = np.random.default_rng(seed)
    actions, states, flags = [], [], []
    for _ in range(steps):
        action = policy(obs, rng)
        obs, reward, terminated, truncated, _ = env.step(action)
        actions.append(action)
        states.append(env.unwrapped.state.copy())
        flags.append((reward, terminated, truncated))
        if terminated or truncated:
            break
    env.close()
    return start, actions, np.array(states), flags


def jax_replay(start, actions, steps=None):
    """The JAX cart-pole from ``start`` under ``actions``, one compiled scan."""
    env = CartPole()
    dtype = jnp.zeros(()).dtype
    state = CartPoleState(*(jnp.asarray(v, dtype) for v in start), jnp.zeros((), jnp.int32))
    actions = jnp.asarray(actions[:steps])

    def body(state, action):
        obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(0), state, action)
        return state, (obs, reward, terminated, truncated)

    _, (obs, reward, terminated, truncated) = jax.lax.scan(body, state, actions)
    return np.asarray(obs, np.float64), list(
        zip(np.asarray(reward).tolist(), np.asarray(terminated), np.asarray(truncated), strict=True)
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_numpy_dynamics_are_gymnasiums_to_the_last_bit_over_500_steps(seed):
    start, actions, states, flags = gym_trajectory(seed, balancing)
    assert len(actions) == 500 and flags[-1][2]  # balanced to the time limit
    state = tuple(start)
    for action, expected in zip(actions, states, strict=True):
        state = cartpole_step(*state, 10.0 if action == 1 else -10.0)
        np.testing.assert_array_equal(np.array(state), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_jax_step_from_gymnasiums_state_matches_to_1e_5(seed):
    start, actions, states, _ = gym_trajectory(seed, balancing)
    befores = np.vstack([start, states[:-1]])
    step = jax.jit(jax.vmap(CartPole().step, in_axes=(None, 0, 0)))
    dtype = jnp.zeros(()).dtype
    batch = CartPoleState(
        *(jnp.asarray(col, dtype) for col in befores.T), jnp.zeros(len(befores), jnp.int32)
    )
    obs = step(jax.random.key(0), batch, jnp.asarray(actions))[0]
    np.testing.assert_allclose(np.asarray(obs, np.float64), states, rtol=0, atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_jax_replays_gymnasium_episodes_to_1e_5(seed):
    """Random actions: whole episodes, terminations and rewards included."""
    start, actions, states, flags = gym_trajectory(seed, random_actions)
    obs, jax_flags = jax_replay(start, actions)
    np.testing.assert_allclose(obs, states, rtol=0, atol=1e-5)
    assert [(r, bool(te), bool(tr)) for r, te, tr in jax_flags] == flags
    assert flags[-1][1]  # the episode ended by failing


@pytest.mark.parametrize("seed", SEEDS)
def test_jax_replays_a_balanced_trajectory_to_1e_5_for_60_steps(seed):
    """Open loop the pole amplifies float32 rounding e-fold every 0.25 s (see CartPole)."""
    start, actions, states, _ = gym_trajectory(seed, balancing)
    obs, _ = jax_replay(start, actions, 60)
    np.testing.assert_allclose(obs, states[:60], rtol=0, atol=1e-5)


def test_with_x64_the_replay_matches_for_300_steps():
    with jax.enable_x64(True):
        for seed in SEEDS:
            start, actions, states, _ = gym_trajectory(seed, balancing)
            obs, _ = jax_replay(start, actions, 300)
            np.testing.assert_allclose(obs, states[:300], rtol=0, atol=1e-5)


def test_truncation_at_500_steps_and_reward_one_per_step():
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    state = state._replace(x=jnp.zeros(()), x_dot=jnp.zeros(()), theta=jnp.zeros(()))
    state = state._replace(theta_dot=jnp.zeros(()), time=jnp.asarray(498, jnp.int32))
    out = env.step(jax.random.key(0), state, 0)
    assert (float(out[2]), bool(out[3]), bool(out[4])) == (1.0, False, False)
    out = env.step(jax.random.key(0), out[1], 1)
    assert (float(out[2]), bool(out[3]), bool(out[4])) == (1.0, False, True)
    short = CartPoleEnvParams(max_steps=3)
    _, state = env.reset(jax.random.key(0), short)
    truncations = []
    for t in range(3):
        _, state, _, _, truncated, _ = env.step(jax.random.key(0), state, t % 2, short)
        truncations.append(bool(truncated))
    assert truncations == [False, False, True]


def test_reset_is_uniform_in_the_start_box_and_seeded():
    env = CartPole()
    obs, state = jax.vmap(env.reset)(jax.random.split(jax.random.key(3), 2000))
    obs = np.asarray(obs)
    assert obs.shape == (2000, 4) and np.all(np.abs(obs) <= 0.05)
    assert np.all(np.abs(obs).max(axis=0) > 0.049) and np.all(np.abs(obs.mean(axis=0)) < 0.003)
    assert np.all(np.asarray(state.time) == 0)
    again, _ = jax.vmap(env.reset)(jax.random.split(jax.random.key(3), 2000))
    np.testing.assert_array_equal(obs, np.asarray(again))
    wide, _ = env.reset(jax.random.key(0), CartPoleEnvParams(init_range=0.2))
    assert float(jnp.abs(wide).max()) > 0.05


def test_spaces_are_gymnasiums():
    env, gym_env = CartPole(), gymnasium.make("CartPole-v1")
    assert env.observation_space() == gym_env.observation_space
    assert env.action_space() == gym_env.action_space and env.num_actions == 2


def test_jit_vmap_scan_without_recompile_across_calls_keys_and_params():
    env = AutoReset(CartPole())

    def rollout(key, params):
        obs, state = env.reset(key, params)

        def body(carry, key):
            obs, state = carry
            action = (obs[2] + 0.5 * obs[3] > 0).astype(jnp.int32)
            obs, state, reward, terminated, truncated, _ = env.step(key, state, action, params)
            return (obs, state), reward

        _, rewards = jax.lax.scan(body, (obs, state), jax.random.split(key, 200))
        return rewards.sum()

    run = jax.jit(jax.vmap(rollout, in_axes=(0, None)))
    params = CartPoleEnvParams(physics=CartPoleParams(gravity=9.8))
    first = run(jax.random.split(jax.random.key(0), 4), params)
    size = run._cache_size()
    assert size == 1
    run(jax.random.split(jax.random.key(1), 4), params)
    heavy = params._replace(physics=params.physics._replace(gravity=20.0), force_mag=5.0)
    run(jax.random.split(jax.random.key(0), 4), heavy)
    assert run._cache_size() == size, "unexpected recompile"
    assert np.all(np.asarray(first) == 200.0)  # one reward per step across resets
    again = run(jax.random.split(jax.random.key(0), 4), params)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))


def test_a_wrong_action_shape_is_refused_when_traced():
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    with pytest.raises(ValueError, match="action must be a scalar"):
        env.step(jax.random.key(0), state, jnp.zeros(2, jnp.int32))


def test_friction_changes_the_motion_and_params_are_checked():
    state = (np.float64(0.0), 0.5, 0.01, 0.2)
    plain = np.array(cartpole_step(*state, 0.0))
    rough = np.array(cartpole_step(*state, 0.0, CartPoleParams.barto()))
    assert rough[1] < plain[1]  # the track slows the moving cart
    assert CartPoleParams.barto().cart_friction == 0.0005
    with pytest.raises(ValueError, match="CartPoleParams.masspole"):
        check_cartpole_params(CartPoleParams(masspole=0.0))
    with pytest.raises(TypeError, match="CartPoleParams"):
        check_cartpole_params((9.8,))


@pytest.mark.parametrize("action", [2, -1, 0.5, np.int64(7), jnp.asarray(-3)], ids=repr)
def test_an_eager_call_refuses_an_action_other_than_0_or_1(action):
    """Any action but 1 pushed left silently (2 and -1 too): a value known outside a trace
    is refused naming the action; the state passed in is untouched."""
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    before = [np.asarray(v).copy() for v in state]
    with pytest.raises(ValueError, match=r"CartPole: action must be 0 or 1, got"):
        env.step(jax.random.key(0), state, action)
    for v, b in zip(state, before, strict=True):
        np.testing.assert_array_equal(np.asarray(v), b)
    env.step(jax.random.key(0), state, jnp.asarray(1))  # the actions of the space step


def test_compiled_code_pushes_left_on_an_action_other_than_0_or_1_as_documented():
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    step = jax.jit(env.step)
    left = step(jax.random.key(0), state, 0)[0]
    for action in (2, -1, 7):
        np.testing.assert_array_equal(np.asarray(step(jax.random.key(0), state, action)[0]), left)
    assert "compiled code cannot raise" in " ".join(CartPole.__doc__.split())
