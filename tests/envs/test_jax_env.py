"""The functional JAX environment protocol: AutoReset and the gymnax adapter."""

from typing import NamedTuple

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.envs import AutoReset, CartPole, FromGymnax, JaxEnv, auto_reset_step


class Counter(NamedTuple):
    value: jax.Array
    time: jax.Array


class CountParams(NamedTuple):
    goal: int = 3
    max_steps_in_episode: int = 5


class CountTo(JaxEnv):
    """Counts up by the action; terminates at ``goal``, truncates after 5 steps."""

    @property
    def default_params(self):
        return CountParams()

    def reset_env(self, key, params):
        state = Counter(jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))
        return state.value[None], state

    def step_env(self, key, state, action, params):
        state = Counter(state.value + action, state.time + 1)
        terminated = state.value >= params.goal
        truncated = state.time >= params.max_steps_in_episode
        return state.value[None], state, jnp.ones(()), terminated, truncated, {"t": state.time}

    def observation_space(self, params=None):
        return gymnasium.spaces.Box(0, 10, (1,), np.int32)

    def action_space(self, params=None):
        return gymnasium.spaces.Discrete(2)


def scan_steps(env, actions, key=0):
    obs, state = env.reset(jax.random.key(key))

    def body(state, inputs):
        key, action = inputs
        obs, state, reward, terminated, truncated, info = env.step(key, state, action)
        return state, (obs, terminated, truncated, info)

    keys = jax.random.split(jax.random.key(key + 1), len(actions))
    return jax.lax.scan(body, state, (keys, jnp.asarray(actions)))


def test_auto_reset_starts_a_new_episode_after_termination_and_truncation():
    actions = [1, 1, 1, 0, 0, 0, 0, 0, 1]
    _, (obs, terminated, truncated, info) = scan_steps(AutoReset(CountTo()), actions)
    assert np.asarray(terminated).tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert np.asarray(truncated).tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert np.asarray(obs)[:, 0].tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 1]
    assert np.asarray(info["final_observation"])[:, 0].tolist() == [1, 2, 3, 0, 0, 0, 0, 0, 1]
    assert np.asarray(info["t"]).tolist() == [1, 2, 3, 1, 2, 3, 4, 5, 1]


def test_auto_reset_of_the_cartpole_draws_fresh_starts_in_the_box():
    env = AutoReset(CartPole())
    _, (obs, terminated, truncated, info) = scan_steps(env, [0] * 300)
    ends = np.flatnonzero(np.asarray(terminated))
    assert len(ends) > 10 and not np.asarray(truncated).any()
    starts = np.asarray(obs)[ends]
    assert np.all(np.abs(starts) <= 0.05)  # reset observations
    finals = np.asarray(info["final_observation"])[ends]
    assert np.all(np.abs(finals[:, 2]) > 12 * 2 * np.pi / 360)  # the pole had fallen
    assert len({tuple(s) for s in starts.tolist()}) == len(ends)


def test_auto_reset_step_equals_the_wrapper_and_keeps_the_state_structure():
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    one = auto_reset_step(env, jax.random.key(1), state, 1)
    two = AutoReset(env).step(jax.random.key(1), state, 1)
    for a, b in zip(jax.tree.leaves(one), jax.tree.leaves(two), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert jax.tree.structure(one[1]) == jax.tree.structure(state)
    for a, b in zip(jax.tree.leaves(one[1]), jax.tree.leaves(state), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape


def test_auto_reset_of_an_auto_reset_keeps_the_true_last_observation():
    # make_train wraps its env in auto_reset_step: handed an AutoReset (as the docs build
    # one), the final observation was the next episode's first
    env = CartPole()
    _, state = env.reset(jax.random.key(0))
    state = state._replace(time=state.time + 499)  # truncated by this step
    once = auto_reset_step(env, jax.random.key(1), state, 0)[5]["final_observation"]
    twice = auto_reset_step(AutoReset(env), jax.random.key(1), state, 0)[5]["final_observation"]
    np.testing.assert_array_equal(twice, once)


def test_auto_reset_refuses_what_is_not_a_jax_env():
    with pytest.raises(TypeError, match="AutoReset wraps a JaxEnv"):
        AutoReset(gymnasium.make("CartPole-v1"))


def test_num_actions_and_the_protocols_defaults():
    assert CountTo().num_actions == 2 and repr(AutoReset(CountTo())) == "AutoReset(CountTo())"
    with pytest.raises(NotImplementedError, match="default_params"):
        JaxEnv().reset(jax.random.key(0))


class FakeGymnaxState(NamedTuple):
    value: jax.Array
    time: jax.Array


class FakeGymnaxParams(NamedTuple):
    goal: int = 3
    max_steps_in_episode: int = 4


class FakeGymnaxDiscrete:
    def __init__(self, n):
        self.n = n


class FakeGymnax:
    """gymnax 1.0's methods, with its merged ``done`` (terminal or out of time)."""

    name = "Fake-v0"
    num_actions = 2

    @property
    def default_params(self):
        return FakeGymnaxParams()

    def reset_env(self, key, params):
        return jnp.zeros(1), FakeGymnaxState(jnp.zeros(()), jnp.zeros((), jnp.int32))

    def step_env(self, key, state, action, params):
        state = FakeGymnaxState(state.value + action, state.time + 1)
        done = (state.value >= params.goal) | (state.time >= params.max_steps_in_episode)
        return state.value[None], state, jnp.ones(()), done, {"discount": 1.0 - done}

    def observation_space(self, params):
        class Box:
            low, high, shape, dtype = 0.0, 10.0, (1,), jnp.float32

        return Box()

    def action_space(self, params):
        return FakeGymnaxDiscrete(2)


def test_gymnax_done_is_split_into_terminated_and_truncated():
    env = FromGymnax(FakeGymnax())
    _, (obs, terminated, truncated, info) = scan_steps(AutoReset(env), [1, 1, 1, 0, 0, 0, 0])
    assert np.asarray(terminated).tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert np.asarray(truncated).tolist() == [0, 0, 0, 0, 0, 0, 1]
    assert "discount" in info and "final_observation" in info
    assert env.num_actions == 2 and env.name == "FromGymnax(Fake-v0)"
    assert env.action_space() == gymnasium.spaces.Discrete(2)
    assert env.observation_space() == gymnasium.spaces.Box(0.0, 10.0, (1,), np.float32)
    other = FromGymnax(FakeGymnax(), FakeGymnaxParams(goal=1))
    assert other.default_params.goal == 1


def test_from_gymnax_refuses_what_is_not_gymnax():
    with pytest.raises(TypeError, match="no reset_env"):
        FromGymnax(gymnasium.make("CartPole-v1"))


def test_real_gymnax_cartpole_plugs_in():
    gymnax = pytest.importorskip("gymnax")
    env, params = gymnax.make("CartPole-v1")
    env = AutoReset(FromGymnax(env, params))
    _, (obs, terminated, truncated, _) = scan_steps(env, [0] * 100)
    assert obs.shape == (100, 4) and int(np.asarray(terminated).sum()) > 3


def test_eager_calls_refuse_params_outside_their_bounds_naming_the_field():
    """The JAX environments never checked their params: a massless pole or a NaN force gave
    NaN states that never ended an episode, a negative init_range a start outside it."""
    import math

    import jax
    import pytest

    from sensorimotor.envs import (
        CartPole,
        CartPoleADPJax,
        CartPoleEnvParams,
        CartPoleParams,
        ToyHumanoid,
        ToyHumanoidParams,
    )
    from sensorimotor.envs.cartpole.cartpole_adp_jax import CartPoleADPParams

    key = jax.random.key(0)
    cases = [
        (CartPole(), CartPoleEnvParams(physics=CartPoleParams(masspole=0.0)), "masspole"),
        (CartPole(), CartPoleEnvParams(force_mag=math.nan), "force_mag"),
        (CartPole(), CartPoleEnvParams(init_range=-1.0), "init_range"),
        (CartPole(), CartPoleEnvParams(max_steps=-1), "max_steps"),
        (CartPoleADPJax(), CartPoleADPParams(actuator_noise=2.0), "actuator_noise"),
        (ToyHumanoid(), ToyHumanoidParams(dt=math.nan), "dt"),
        (ToyHumanoid(), ToyHumanoidParams(target=(1.0, 2.0)), "target"),
    ]
    for env, params, field in cases:
        with pytest.raises(ValueError, match=field):
            env.reset(key, params)
    # params traced under jit pass (their values are not known there)
    env = CartPole()
    obs = jax.jit(lambda k, p: env.reset(k, p)[0])(key, CartPoleEnvParams())
    assert obs.shape == (4,)


def test_bool_complex_or_string_actions_are_refused_by_the_jax_environments():
    import jax
    import numpy as np
    import pytest

    from sensorimotor.envs import CartPole, ToyHumanoid

    env = ToyHumanoid()
    _, state = env.reset(jax.random.key(0))
    for action in (np.ones(6, bool), np.ones(6) * (1 + 5j)):
        with pytest.raises(TypeError, match="action must hold real numbers"):
            env.step(None, state, action)
    with pytest.raises(TypeError, match="action must be an array of numbers"):
        env.step(None, state, "left")
    cartpole = CartPole()
    _, state = cartpole.reset(jax.random.key(0))
    for action in (True, 1 + 0j):
        with pytest.raises(ValueError, match="action must be 0 or 1"):
            cartpole.step(None, state, action)
