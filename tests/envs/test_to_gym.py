"""EnvironmentGymEnv, and the round trip Environment -> gymnasium.Env -> Environment."""

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sensorimotor import Channel, Environment, KinematicArm2D, SignalError
from sensorimotor.envs import EnvironmentGymEnv, GymEpisodeEnvironment
from sensorimotor.envs.bridge.to_gym import box_space


class Mixer(Environment):
    """A nonlinear environment with an unbounded sensory channel."""

    m_channels = [Channel("u", (-2, 3)), Channel("v", (0, 1))]
    s_channels = [Channel("p"), Channel("q", (-1, 1))]

    def _execute(self, m_signal, meta=None):
        u, v = m_signal["u"], m_signal["v"]
        return {"p": np.exp(u) * v, "q": np.sin(u * v)}


def motor_batch(env, n, seed=0, beyond=1.0):
    return env.m_set.random(np.random.default_rng(seed), size=n) * beyond


@pytest.mark.parametrize(
    "make, beyond",
    [(KinematicArm2D.mid7, 1.2), (Mixer, 1.0), (lambda: KinematicArm2D({"dim": 3}), 1.2)],
    ids=["mid7", "mixer", "arm3"],
)
def test_round_trip_gives_the_same_signals(make, beyond):
    """Within the motor bounds for any environment; beyond them too for one that clips to
    its bounds (the arm), since the bridge's constant policy clips to the action box."""
    original, inner = make(), make()
    back = GymEpisodeEnvironment(
        {
            "env": EnvironmentGymEnv(inner),
            "m_channels": inner.m_channels,
            "s_channels": inner.s_channels,
        }
    )
    assert back.m_channels == original.m_channels and back.s_channels == original.s_channels
    for m in original.m_set.from_array(motor_batch(original, 50, beyond=beyond)):
        a, b = original.execute(m), back.execute(m)
        assert a["m_signal"] == b["m_signal"]
        assert a["s_signal"] == b["s_signal"]  # float64 all the way: exact
    back.close()
    with pytest.raises(RuntimeError, match="closed"):
        inner.execute(original.m_set.random_signal(np.random.default_rng(0)))


def test_round_trip_with_default_channels_and_float32():
    arm = KinematicArm2D.mid7()
    back = GymEpisodeEnvironment(
        {"env": EnvironmentGymEnv(KinematicArm2D.mid7(), dtype=np.float32)}
    )
    assert [ch.name for ch in back.m_channels] == [f"a{i}" for i in range(7)]
    assert [ch.name for ch in back.s_channels] == ["o0", "o1"]
    m = motor_batch(arm, 20)
    s_back = back.execute_array(m)
    # the motor command goes through float32 (the feedback says so), the output too
    m32 = m.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(s_back, arm.execute_array(m32).astype(np.float32))
    fb = back.execute(back.m_set.from_array(m[0]))
    assert list(fb["m_signal"].values()) == m32[0].tolist()


def test_spaces_follow_channel_bounds():
    env = EnvironmentGymEnv(Mixer())
    np.testing.assert_array_equal(env.action_space.low, [-2, 0])
    np.testing.assert_array_equal(env.action_space.high, [3, 1])
    np.testing.assert_array_equal(env.observation_space.low, [-np.inf, -1])
    assert env.observation_space.dtype == np.float64
    obs, info = env.reset(seed=3)
    assert obs in env.observation_space and info == {}
    np.testing.assert_array_equal(obs, [0.0, 0.0])  # the box point nearest 0
    norm = EnvironmentGymEnv(Mixer(), normalize_actions=True)
    assert norm.action_space == gymnasium.spaces.Box(-1.0, 1.0, (2,), np.float64)
    np.testing.assert_allclose(norm.motor_command(np.array([-1.0, 1.0])), [-2.0, 1.0])
    np.testing.assert_allclose(norm.motor_command(np.array([0.0, 0.0])), [0.5, 0.5])


def test_box_space_rounds_outwards():
    low, high = np.array([-0.1, 1 / 3]), np.array([0.1, 2 / 3])
    box = box_space(low, high, np.float32)
    assert np.all(box.low <= low) and np.all(box.high >= high)
    assert np.all(box.high - high < 1e-7) and np.all(low - box.low < 1e-7)


def test_step_executes_and_rewards():
    env = EnvironmentGymEnv(Mixer(), reward_fn=lambda m, s: m["u"] - s["p"])
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(np.array([1.0, 0.5]))
    np.testing.assert_allclose(obs, [np.exp(1.0) * 0.5, np.sin(0.5)], rtol=1e-15)
    assert reward == pytest.approx(1.0 - np.exp(1.0) * 0.5)
    assert (terminated, truncated) == (True, False)
    assert info == {"m_signal": {"u": 1.0, "v": 0.5}}
    assert EnvironmentGymEnv(Mixer()).step(np.array([1.0, 0.5]))[1] == 0.0


def test_check_env_passes_for_a_normalised_bridge():
    env = EnvironmentGymEnv(KinematicArm2D({"dim": 4}), normalize_actions=True, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=True)


def test_bad_actions_and_arguments_refused():
    env = EnvironmentGymEnv(Mixer())
    env.reset()
    with pytest.raises(SignalError, match="shape"):
        env.step(np.zeros(3))
    with pytest.raises(SignalError, match="'v' is NaN"):
        env.step(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="Environment"):
        EnvironmentGymEnv(gymnasium.make("CartPole-v1"))
    with pytest.raises(ValueError, match=r"\['p'\]"):
        EnvironmentGymEnv(_swap(Mixer()), normalize_actions=True)
    with pytest.raises(ValueError, match="not in the observation space"):
        EnvironmentGymEnv(Mixer(), reset_observation=[0.0, 5.0])
    with pytest.raises(ValueError, match="floating"):
        EnvironmentGymEnv(Mixer(), dtype=np.int32)
    with pytest.raises(ValueError, match="not finite"):
        EnvironmentGymEnv(Mixer(), reward_fn=lambda m, s: np.nan).step(np.array([0.0, 0.5]))


@pytest.mark.parametrize("value", ["1", True, np.True_, None, np.array([1.0]), [1.0]])
def test_a_reward_fn_returning_a_non_number_is_refused_naming_it(value):
    """float() took '1' and True as the reward 1.0; None failed in float() itself."""
    env = EnvironmentGymEnv(Mixer(), reward_fn=lambda m, s: value)
    with pytest.raises(TypeError, match="reward_fn must return a number"):
        env.step(np.array([0.0, 0.5]))


@pytest.mark.parametrize("value", [2, np.float32(2.0), np.int64(2), np.array(2.0)])
def test_a_reward_fn_may_return_any_real_number(value):
    env = EnvironmentGymEnv(Mixer(), reward_fn=lambda m, s: value)
    reward = env.step(np.array([0.0, 0.5]))[1]
    assert reward == 2.0 and type(reward) is float


@pytest.mark.parametrize("setting", ["normalize_actions", "close_env"])
@pytest.mark.parametrize("value", ["no", 0, 1, None, 1.0, np.array([True])])
def test_a_non_bool_setting_is_refused_naming_it(setting, value):
    """bool() of anything was taken: close_env='no' closed the wrapped environment."""
    with pytest.raises(TypeError, match=setting):
        EnvironmentGymEnv(Mixer(), **{setting: value})


def test_numpy_bools_are_bools():
    env = EnvironmentGymEnv(KinematicArm2D({"dim": 2}), normalize_actions=np.True_)
    assert env.normalize_actions is True and env.action_space.high.tolist() == [1.0, 1.0]
    inner = Mixer()
    EnvironmentGymEnv(inner, close_env=np.False_).close()
    assert inner.execute({"u": 0.0, "v": 0.0})["s_signal"] == {"p": 0.0, "q": 0.0}


def _swap(env):
    """``env`` with its sensory channels as motor channels (``p`` is unbounded)."""
    env.m_channels, env.s_channels = env.s_channels, env.m_channels
    return env


def test_close_is_idempotent_and_optional_for_the_wrapped_env():
    inner = Mixer()
    env = EnvironmentGymEnv(inner, close_env=False)
    env.close()
    env.close()
    assert inner.execute({"u": 0.0, "v": 0.0})["s_signal"] == {"p": 0.0, "q": 0.0}
    env = EnvironmentGymEnv(inner)
    env.close()
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        inner.execute({"u": 0.0, "v": 0.0})


def test_a_ragged_action_is_refused_naming_the_action():
    # found by the fuzzer on the Ant's task: NumPy's own error named nothing
    arm = KinematicArm2D({"dim": 3})
    env = EnvironmentGymEnv(arm)
    env.reset(seed=0)
    with pytest.raises(SignalError, match="action"):
        env.step([[1.0], 0.0, 0.0])


@pytest.mark.parametrize("env_id", ["sensorimotor/ArmReach-v0", "sensorimotor/Epuck2D-v0"])
def test_a_render_mode_is_refused_naming_the_registered_class(env_id):
    """gymnasium.make(..., render_mode='human') on ArmReach-v0 or Epuck2D-v0 said
    'EnvironmentGymEnv has no render modes', a class the user never named."""
    name = gymnasium.spec(env_id).entry_point.rsplit(":", 1)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Gymnasium's own warning about the render mode
        with pytest.raises(ValueError, match=f"^{name} has no render modes, got 'human'"):
            gymnasium.make(env_id, render_mode="human")
