"""Si and Wang's cart-pole: the Environment face and sensorimotor/CartPoleADP-v0 (issue 10)."""

import math
import warnings

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sensorimotor.envs import (
    AutoReset,
    CartPoleADP,
    CartPoleADPEnv,
    CartPoleADPJax,
    CartPoleADPParams,
    CartPoleParams,
    CartPoleState,
    cartpole_step,
    check_environment,
)
from sensorimotor.signals import SignalError

TWELVE_DEGREES = 12 * 2 * math.pi / 360


def snapshot(plant):
    return plant.state, plant.failed, plant.steps, plant.trials, plant.rng.bit_generator.state


def test_the_plant_follows_barto_s_equations_with_friction():
    plant = CartPoleADP({"seed": 0})
    assert plant.params == CartPoleParams.barto()
    state = plant.state
    rng = np.random.default_rng(1)
    for _ in range(20):
        force = float(rng.uniform(-10, 10))
        s = plant.execute({"force": force})["s_signal"]
        state = tuple(float(v) for v in cartpole_step(*state, force, CartPoleParams.barto()))
        assert (s["x"], s["x_dot"], s["theta"], s["theta_dot"]) == state
        if plant.failed:
            break


def test_without_friction_it_is_gymnasiums_cartpole_for_the_same_pushes():
    plant = CartPoleADP({"seed": 0, "cart_friction": 0.0, "pole_friction": 0.0})
    gym_env = gymnasium.make("CartPole-v1")
    gym_env.reset(seed=0)
    gym_env.unwrapped.state = np.array(plant.state)
    rng = np.random.default_rng(2)
    for _ in range(30):
        action = int(rng.integers(2))
        s = plant.execute({"force": 10.0 if action else -10.0})["s_signal"]
        _, _, terminated, _, _ = gym_env.step(action)
        assert [s["x"], s["x_dot"], s["theta"], s["theta_dot"]] == gym_env.unwrapped.state.tolist()
        assert terminated == plant.failed == (s["reward"] == -1.0)
        if terminated:
            break


def test_failure_reward_and_a_new_trial_after_it():
    plant = CartPoleADP({"seed": 3})
    rewards = []
    while not plant.failed:
        rewards.append(plant.execute({"force": 10.0})["s_signal"]["reward"])
    assert rewards[-1] == -1.0 and set(rewards[:-1]) == {0.0}
    x, _, theta, _ = plant.state
    assert abs(x) > 2.4 or abs(theta) > TWELVE_DEGREES
    assert plant.trials == 1 and plant.steps == len(rewards)
    meta = {}
    s = plant.execute({"force": 0.0}, meta)["s_signal"]
    assert plant.trials == 2 and plant.steps == 1 and meta == {"failed": False, "trial": 2}
    assert abs(s["theta"]) < 0.06 and s["reward"] == 0.0


def test_starts_are_uniform_in_005_and_never_the_zero_state():
    plant = CartPoleADP({"seed": 0})
    starts = np.array([list(plant.reset().values()) for _ in range(2000)])
    assert np.all(np.abs(starts[:, :4]) <= 0.05) and np.all(starts[:, 4] == 0.0)
    assert np.all(np.abs(starts[:, :4]).max(axis=0) > 0.049)
    assert np.all(np.abs(starts[:, :4].mean(axis=0)) < 0.003)
    assert plant.reset(seed=5) == CartPoleADP({"seed": 5}).reset(seed=5)


def test_force_is_clipped_to_10_newtons():
    plant = CartPoleADP({"seed": 0})
    start = plant.state
    fb = plant.execute({"force": 50.0})
    assert fb["m_signal"] == {"force": 10.0}
    expected = cartpole_step(*start, 10.0, CartPoleParams.barto())
    assert fb["s_signal"]["x_dot"] == float(expected[1])


def test_actuator_noise_scales_the_force_within_5_percent():
    plain = CartPoleADP({"seed": 0})
    noisy = CartPoleADP({"seed": 0, "actuator_noise": 0.05})
    start = noisy.state
    assert start == plain.state
    x_dots = [noisy.execute({"force": 8.0})["s_signal"]["x_dot"]]
    for _ in range(50):
        noisy.state, noisy.failed = start, False
        x_dots.append(noisy.execute({"force": 8.0})["s_signal"]["x_dot"])
    low, high = (
        float(cartpole_step(*start, f, CartPoleParams.barto())[1]) for f in (8.0 * 0.95, 8.0 * 1.05)
    )
    assert all(low <= v <= high for v in x_dots)
    assert len(set(x_dots)) == len(x_dots)  # a new draw every step
    assert plain.execute({"force": 8.0})["s_signal"]["x_dot"] not in x_dots


@pytest.mark.parametrize(
    "bad, error",
    [
        ({"force": math.nan}, SignalError),
        ({"force": math.inf}, SignalError),
        ({"force": "1.0"}, SignalError),
        ({"force": None}, SignalError),
        ({}, SignalError),
        ({"force": 1.0, "torque": 1.0}, SignalError),
    ],
)
def test_bad_forces_are_refused_naming_the_channel_with_the_plant_unchanged(bad, error):
    plant = CartPoleADP({"seed": 0, "actuator_noise": 0.05})
    plant.execute({"force": 1.0})
    before = snapshot(plant)
    with pytest.raises(error) as info:
        plant.execute(bad)
    assert info.value.channel in ("force", "torque")
    assert snapshot(plant) == before


def test_settings_are_checked():
    with pytest.raises(ValueError, match="CartPoleADP.actuator_noise"):
        CartPoleADP({"actuator_noise": -0.1})
    with pytest.raises(ValueError, match="CartPoleADP.max_force"):
        CartPoleADP({"max_force": 0.0})
    with pytest.raises(TypeError, match="CartPoleADP.cart_friction"):
        CartPoleADP({"cart_friction": "0.1"})
    with pytest.raises(KeyError, match="frictoin"):
        CartPoleADP({"frictoin": 0.1})


def test_the_environment_face_passes_the_conformance_suite():
    report = check_environment(lambda: CartPoleADP({"seed": 0}), deterministic=False)
    assert report["check_refuses_nan"] == "passed"


def test_same_seed_same_trajectory_and_the_two_faces_agree():
    rng = np.random.default_rng(7)
    forces = rng.uniform(-1, 1, 200)
    runs = []
    for _ in range(2):
        plant = CartPoleADP({"seed": 4, "actuator_noise": 0.05})
        runs.append([list(plant.execute({"force": 10 * f})["s_signal"].values()) for f in forces])
    assert runs[0] == runs[1]
    plant = CartPoleADP({"seed": 4})
    env = CartPoleADPEnv()
    obs, _ = env.reset(seed=4)
    np.testing.assert_array_equal(obs, np.array(plant.state, np.float32))
    for f in forces:
        s = plant.execute({"force": 10 * float(np.float32(f))})["s_signal"]
        obs, reward, terminated, _, info = env.step(np.array([f], np.float32))
        np.testing.assert_array_equal(obs, np.array(plant.state, np.float32))
        assert reward == s["reward"] and terminated == plant.failed
        if terminated:
            break


def test_the_gym_face_passes_check_env_and_is_registered_with_the_6000_step_limit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gymnasium.make("sensorimotor/CartPoleADP-v0")
        check_env(env.unwrapped)
        check_env(gymnasium.make("sensorimotor/CartPoleADP-v0", actuator_noise=0.05).unwrapped)
    assert env.spec.max_episode_steps == 6000
    assert env.action_space == gymnasium.spaces.Box(-1.0, 1.0, (1,), np.float32)


@pytest.mark.parametrize(
    "action, error, match",
    [
        (np.array([np.nan], np.float32), ValueError, "action"),
        (np.array([np.inf], np.float32), ValueError, "action"),
        (np.zeros(2, np.float32), ValueError, "action must have shape"),
        (0.5, ValueError, "action must have shape"),
        ("0.5", TypeError, "action must be a numeric"),
        (np.array([1j]), TypeError, "action must be a numeric"),
        (np.array([True]), TypeError, "action must be a numeric"),
        (None, TypeError, "action must be a numeric"),
    ],
)
def test_the_gym_face_refuses_bad_actions_with_the_episode_unchanged(action, error, match):
    env = CartPoleADPEnv(actuator_noise=0.05)
    env.reset(seed=0)
    env.step(np.array([0.3], np.float32))
    before = snapshot(env.plant)
    with pytest.raises(error, match=match):
        env.step(action)
    assert snapshot(env.plant) == before


def test_the_gym_face_clips_refuses_steps_out_of_order_and_reports_the_force():
    env = CartPoleADPEnv()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(1, np.float32))
    env.reset(seed=0)
    *_, info = env.step(np.array([3.0], np.float32))
    assert info == {"force": 10.0}
    terminated = False
    while not terminated:
        _, reward, terminated, truncated, _ = env.step(np.ones(1, np.float32))
    assert reward == -1.0 and not truncated
    with pytest.raises(RuntimeError, match="terminated"):
        env.step(np.ones(1, np.float32))
    env.reset()
    env.step(np.ones(1, np.float32))  # a new episode runs


def test_the_jax_face_takes_the_gym_faces_steps():
    actions = np.random.default_rng(3).uniform(-1.2, 1.2, (300, 1)).astype(np.float32)
    env = CartPoleADPEnv()
    obs, _ = env.reset(seed=2)
    start, expected = env.plant.state, []
    for a in actions:
        obs, reward, terminated, _, _ = env.step(a)
        expected.append((env.plant.state, reward, terminated))
        if terminated:
            break
    jax_env = CartPoleADPJax()
    with jax.enable_x64(True):
        state = CartPoleState(*(jnp.asarray(v) for v in start), jnp.zeros((), jnp.int32))

        def body(state, action):
            obs, state, reward, terminated, _, _ = jax_env.step(jax.random.key(0), state, action)
            return state, (obs, reward, terminated)

        _, (obs, reward, terminated) = jax.lax.scan(
            body, state, jnp.asarray(actions[: len(expected)])
        )
        obs, reward, terminated = np.asarray(obs), np.asarray(reward), np.asarray(terminated)
    np.testing.assert_allclose(obs, [e[0] for e in expected], rtol=0, atol=1e-9)
    assert reward.tolist() == [e[1] for e in expected]
    assert terminated.tolist() == [e[2] for e in expected]


def test_the_jax_face_draws_its_noise_from_the_key_within_5_percent_and_compiles_once():
    env = CartPoleADPJax()
    _, state = env.reset(jax.random.key(0))
    step = jax.jit(jax.vmap(env.step, in_axes=(0, None, None, None)))
    keys = jax.random.split(jax.random.key(1), 200)
    noisy = CartPoleADPParams(actuator_noise=0.05)
    x_dot = np.asarray(step(keys, state, jnp.full(1, 0.8), noisy)[1].x_dot)
    plain = np.asarray(step(keys, state, jnp.full(1, 0.8), CartPoleADPParams())[1].x_dot)
    assert step._cache_size() == 1, "unexpected recompile"
    assert np.all(plain == plain[0]) and len(np.unique(x_dot)) > 150
    delta, spread = plain[0] - float(state.x_dot), x_dot - float(state.x_dot)
    assert np.all(np.abs(spread / delta - 1.0) < 0.05 * 1.1)  # the friction shifts it slightly
    again = np.asarray(step(keys, state, jnp.full(1, 0.8), noisy)[1].x_dot)
    np.testing.assert_array_equal(x_dot, again)


def test_the_jax_face_runs_trials_one_after_another():
    env = AutoReset(CartPoleADPJax())
    _, state = env.reset(jax.random.key(0))

    def body(state, key):
        _, state, reward, terminated, _, _ = env.step(key, state, jnp.ones(1))
        return state, (reward, terminated)

    _, (reward, terminated) = jax.lax.scan(body, state, jax.random.split(jax.random.key(1), 300))
    reward, terminated = np.asarray(reward), np.asarray(terminated)
    assert terminated.sum() > 10 and np.array_equal(reward == -1.0, terminated)
    with pytest.raises(ValueError, match=r"shape \(1,\)"):
        CartPoleADPJax().step(jax.random.key(0), state, jnp.ones(()))
    assert CartPoleADPJax().observation_space() == CartPoleADPEnv().observation_space


def test_advance_clips_and_refuses_what_is_not_a_finite_force():
    plant = CartPoleADP({"seed": 0})
    start = plant.state
    s = plant.advance(40.0)
    assert s[1] == float(cartpole_step(*start, 10.0, CartPoleParams.barto())[1])
    before = snapshot(plant)
    for bad, error in (
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("1", TypeError),
        (True, TypeError),
        (10**400, TypeError),  # no float holds it
        (np.timedelta64(3), TypeError),  # NumPy's integer subclass
    ):
        with pytest.raises(error, match="force"):
            plant.advance(bad)
        assert snapshot(plant) == before


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_the_jax_face_refuses_a_non_finite_action_when_eager(bad):
    """A NaN action passed jnp.clip and made x_dot and theta_dot NaN; the pole then never
    failed (|NaN| > 12 degrees is False), so the episode ran on in NaN. The Gymnasium face
    refused it; the eager JAX call now does too, the state untouched."""
    env = CartPoleADPJax()
    _, state = env.reset(jax.random.key(0))
    before = np.asarray(state.x_dot).copy()
    with pytest.raises(ValueError, match=r"action\[0\] is .*: the action must be finite"):
        env.step(jax.random.key(1), state, jnp.array([bad]))
    with pytest.raises(ValueError, match=r"action\[0\]"):
        AutoReset(env).step(jax.random.key(1), state, jnp.array([bad]))
    np.testing.assert_array_equal(np.asarray(state.x_dot), before)
    # a finite action beyond [-1, 1] is still clipped, not refused
    far = env.step(jax.random.key(1), state, jnp.array([20.0]))[1]
    assert float(far.x_dot) == float(env.step(jax.random.key(1), state, jnp.ones(1))[1].x_dot)
