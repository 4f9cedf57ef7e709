"""GymEpisodeEnvironment: any gymnasium.Env driven by a parameterised motor command."""

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sensorimotor import Channel, SignalError
from sensorimotor.envs import GymEpisodeEnvironment, LinearPolicy


class Recorder(gymnasium.Env):
    """A 1-D integrator that records its resets, actions and closes."""

    metadata = {"render_modes": []}

    def __init__(self, action_space=None):
        self.action_space = action_space or spaces.Box(-1.0, 1.0, (1,), np.float64)
        self.observation_space = spaces.Box(-10.0, 10.0, (1,), np.float64)
        self.resets, self.actions, self.closes = [], [], 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.resets.append(seed)
        self.x = self.np_random.uniform(-1, 1)
        return np.array([self.x]), {}

    def step(self, action):
        self.actions.append(np.array(action))
        self.x = float(np.clip(self.x + np.sum(action), -10, 10))
        return np.array([self.x]), -abs(self.x), abs(self.x) >= 10, False, {}

    def close(self):
        self.closes += 1


def brute_force_episode(env_id, seed, action, steps):
    """The final observation and return of ``steps`` steps of a constant action."""
    env = gymnasium.make(env_id)
    obs, _ = env.reset(seed=seed)
    total = 0.0
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    env.close()
    return obs, total


def test_constant_policy_equals_a_hand_run_episode():
    env = GymEpisodeEnvironment(
        {"env": "Pendulum-v1", "max_steps": 25, "with_return": True, "seed": 7}
    )
    assert env.m_channels == [Channel("a0", (-2.0, 2.0))]
    assert [ch.name for ch in env.s_channels] == ["o0", "o1", "o2", "return"]
    assert env.s_set["o2"].bounds == (-8.0, 8.0)
    meta = {}
    s = env.execute({"a0": 0.75}, meta)["s_signal"]
    obs, total = brute_force_episode("Pendulum-v1", 7, np.array([0.75], np.float32), 25)
    np.testing.assert_array_equal([s["o0"], s["o1"], s["o2"]], obs.astype(np.float64))
    assert s["return"] == pytest.approx(total, rel=1e-12)
    assert meta["episode"].length == 25 and meta["episode"].truncated


def test_constant_policy_clips_and_reports_the_executed_command():
    env = GymEpisodeEnvironment({"env": "Pendulum-v1", "max_steps": 3})
    assert env.execute({"a0": 5.0})["m_signal"] == {"a0": 2.0}
    assert env.execute({"a0": 0.1})["m_signal"] == {"a0": float(np.float32(0.1))}
    assert env.execute({"a0": 5.0})["s_signal"] == env.execute({"a0": 2.0})["s_signal"]


def test_linear_policy_is_the_default_for_discrete_actions():
    env = GymEpisodeEnvironment({"env": "CartPole-v1", "max_steps": 500})
    assert isinstance(env._policy, LinearPolicy)
    assert [ch.name for ch in env.m_channels][:5] == ["w0_0", "w0_1", "w0_2", "w0_3", "w0_b"]
    assert env.m_set["w1_b"].bounds == (-1.0, 1.0)
    m = dict.fromkeys(env.m_set.names, 0.0)
    balance = {**m, "w1_2": 1.0, "w1_3": 1.0}  # push towards the side the pole falls to
    lengths = {}
    for name, signal in (("zero", m), ("balance", balance)):
        meta = {}
        env.execute(signal, meta)
        lengths[name] = meta["episode"].length
    # always action 0 (argmax of equal preferences) falls within ~10 steps; the
    # pole-following policy balances for hundreds of steps (until the cart drifts away)
    assert lengths["zero"] < 20 and lengths["balance"] > 200


def test_linear_policy_on_a_box_action_space():
    policy = LinearPolicy(spaces.Box(-1.0, 1.0, (2,)), spaces.Box(-5.0, 5.0, (3,)))
    w = np.arange(8.0) / 10  # rows [0 .1 .2 .3], [.4 .5 .6 .7]
    obs = np.array([1.0, -1.0, 0.5], np.float32)
    expected = np.clip(w.reshape(2, 4) @ [1.0, -1.0, 0.5, 1.0], -1, 1)
    np.testing.assert_allclose(policy(w, obs), expected, rtol=1e-6)
    env = GymEpisodeEnvironment({"env": Recorder(), "policy": "linear", "max_steps": 2})
    assert [ch.name for ch in env.m_channels] == ["w0_0", "w0_b"]
    env.execute({"w0_0": 0.0, "w0_b": 0.25})
    np.testing.assert_allclose(np.concatenate(env.gym_env.actions), [0.25, 0.25])


def test_seeding_fixed_varied_and_none():
    fixed = GymEpisodeEnvironment({"env": Recorder(), "max_steps": 2, "seed": 3})
    varied = GymEpisodeEnvironment(
        {"env": Recorder(), "max_steps": 2, "seed": 3, "vary_start": True}
    )
    free = GymEpisodeEnvironment({"env": Recorder(), "max_steps": 2, "seed": None})
    for env in (fixed, varied, free):
        for _ in range(3):
            env.execute({"a0": 0.0})
    assert fixed.gym_env.resets == [3, 3, 3]
    assert varied.gym_env.resets == [3, 4, 5]
    assert free.gym_env.resets == [None, None, None]
    varied2 = GymEpisodeEnvironment(
        {"env": Recorder(), "max_steps": 2, "seed": 3, "vary_start": True}
    )
    a = [varied2.execute({"a0": 0.1})["s_signal"]["o0"] for _ in range(3)]
    varied3 = GymEpisodeEnvironment(
        {"env": Recorder(), "max_steps": 2, "seed": 3, "vary_start": True}
    )
    assert a == [varied3.execute({"a0": 0.1})["s_signal"]["o0"] for _ in range(3)]
    assert len(set(a)) == 3


def test_refused_signal_runs_no_episode():
    env = GymEpisodeEnvironment({"env": Recorder(), "max_steps": 2, "vary_start": True})
    with pytest.raises(SignalError, match="'a0' is NaN"):
        env.execute({"a0": float("nan")})
    with pytest.raises(SignalError, match="unknown channel 'a1'"):
        env.execute({"a0": 0.0, "a1": 0.0})
    assert env.episodes == 0 and env.gym_env.resets == [] and env.gym_env.actions == []


class FailsOnce(Recorder):
    """A Recorder whose first reset raises (a simulator that failed to start)."""

    def reset(self, *, seed=None, options=None):
        if not getattr(self, "failed", False):
            self.failed = True
            raise RuntimeError("the simulator did not start")
        return super().reset(seed=seed, options=options)


def test_a_failed_gym_reset_does_not_shift_the_later_starts():
    """The episode counter moved before the gym env's reset: after a reset that raised,
    every later vary_start episode started from the next seed (4, 5 instead of 3, 4)."""
    env = GymEpisodeEnvironment({"env": FailsOnce(), "max_steps": 2, "seed": 3, "vary_start": True})
    with pytest.raises(RuntimeError, match="did not start"):
        env.execute({"a0": 0.0})
    assert env.episodes == 0
    for _ in range(2):
        env.execute({"a0": 0.0})
    assert env.gym_env.resets == [3, 4] and env.episodes == 2


def test_custom_policy_and_sensory():
    def push(m, obs):
        return np.array([m[0] if obs[0] < m[1] else -m[0]])

    def summary(episode):
        return {"x": float(episode.observation[0]), "steps": episode.length}

    env = GymEpisodeEnvironment(
        {
            "env": Recorder(),
            "policy": push,
            "m_channels": [Channel("gain", (0, 1)), Channel("target", (-5, 5))],
            "sensory": summary,
            "s_channels": [Channel("x"), Channel("steps", (0, 100))],
            "max_steps": 40,
            "seed": 1,
        }
    )
    s = env.execute({"gain": 0.5, "target": 3.0})["s_signal"]
    assert s["steps"] == 40.0 and abs(s["x"] - 3.0) <= 0.5
    # an array from the sensory function works too
    env2 = GymEpisodeEnvironment(
        {
            "env": Recorder(),
            "sensory": lambda ep: [ep.episode_return],
            "s_channels": [Channel("R")],
            "max_steps": 4,
        }
    )
    assert env2.execute({"a0": 0.0})["s_signal"]["R"] == pytest.approx(-4 * abs(env2.gym_env.x))


def test_episode_ends_at_termination():
    env = GymEpisodeEnvironment({"env": Recorder(), "max_steps": 100})
    meta = {}
    env.execute({"a0": 1.0}, meta)
    ep = meta["episode"]
    assert ep.terminated and not ep.truncated and 9 <= ep.length <= 11


def test_close_closes_the_gym_env_once_also_when_construction_fails():
    rec = Recorder()
    env = GymEpisodeEnvironment({"env": rec})
    env.close()
    env.close()
    assert rec.closes == 1
    rec = Recorder()
    with pytest.raises(ValueError, match="takes 1 motor channels, m_channels has 2"):
        GymEpisodeEnvironment(
            {"env": rec, "policy": "constant", "m_channels": [Channel("p"), Channel("q")]}
        )
    assert rec.closes == 1


@pytest.mark.parametrize(
    "cfg, error, match",
    [
        ({}, TypeError, "'env' must be a gymnasium.Env or an id"),
        ({"env": "CartPole-v1", "max_steps": 0}, ValueError, "max_steps"),
        ({"env": "CartPole-v1", "seed": 1.5}, ValueError, "seed"),
        ({"env": "CartPole-v1", "seed": -1}, ValueError, "seed"),  # Gymnasium refuses it later
        ({"env": "CartPole-v1", "weight_bound": "a"}, ValueError, "weight_bound"),
        ({"env": "CartPole-v1", "weight_bound": True}, ValueError, "weight_bound"),
        ({"env": "CartPole-v1", "weight_bound": -1.0}, ValueError, "weight_bound"),
        ({"env": "CartPole-v1", "with_return": "no"}, TypeError, "with_return"),  # truthy
        ({"env": "CartPole-v1", "policy": "constant"}, ValueError, "needs a Box action space"),
        ({"env": "CartPole-v1", "policy": "greedy"}, ValueError, "policy must be"),
        ({"env": "CartPole-v1", "policy": lambda m, o: 0}, ValueError, "needs its m_channels"),
        ({"env": "CartPole-v1", "sensory": lambda ep: [0.0]}, ValueError, "needs its s_channels"),
        ({"env": "CartPole-v1", "s_channels": [Channel("a")]}, ValueError, "gives 4 values"),
        ({"env": "CartPole-v1", "m_channels": []}, ValueError, "m_channels must not be empty"),
        ({"env": "CartPole-v1", "m_channels": [Channel("w")]}, ValueError, "takes 10 motor"),
        ({"env": "CartPole-v1", "horizon": 3}, KeyError, "unknown config key 'horizon'"),
        ({"env": "Pendulum-v1", "env_kwargs": {"g": 3.0}, "m_channels": "a"}, TypeError, "Channel"),
    ],
)
def test_bad_config_refused(cfg, error, match):
    with pytest.raises(error, match=match):
        GymEpisodeEnvironment(cfg)


@pytest.mark.parametrize("max_steps", [np.int64(3), np.int32(3), np.uint8(3)])
def test_numpy_integers_are_ints_for_max_steps(max_steps):
    """np.int64(3) was refused as not 'a positive int'."""
    env = GymEpisodeEnvironment({"env": Recorder(), "max_steps": max_steps})
    meta = {}
    env.execute({"a0": 0.0}, meta)
    assert meta["episode"].length == 3 and meta["episode"].truncated


@pytest.mark.parametrize("max_steps", [True, np.True_, 3.0, np.float64(3), "3", np.int64(0)])
def test_max_steps_that_is_not_a_positive_int_is_refused(max_steps):
    with pytest.raises(ValueError, match="max_steps"):
        GymEpisodeEnvironment({"env": Recorder(), "max_steps": max_steps})


def test_unsupported_action_space_needs_a_policy():
    with pytest.raises(ValueError, match="give a 'policy' and its 'm_channels'"):
        GymEpisodeEnvironment({"env": Recorder(spaces.MultiDiscrete([2, 3]))})


def test_env_kwargs_reach_gymnasium_make():
    low_g = GymEpisodeEnvironment({"env": "Pendulum-v1", "env_kwargs": {"g": 1.0}, "max_steps": 10})
    high_g = GymEpisodeEnvironment({"env": "Pendulum-v1", "max_steps": 10})
    assert low_g.gym_env.unwrapped.g == 1.0
    assert low_g.execute({"a0": 0.0})["s_signal"] != high_g.execute({"a0": 0.0})["s_signal"]


def test_termination_on_the_last_allowed_step_is_not_truncation():
    env = GymEpisodeEnvironment({"env": "sensorimotor/ArmReach-v0", "max_steps": 1})
    meta = {}
    env.execute(dict.fromkeys(env.m_set.names, 0.0), meta)
    assert (meta["episode"].terminated, meta["episode"].truncated, meta["episode"].length) == (
        True,
        False,
        1,
    )


class NaNObservation(Recorder):
    """A simulator that blows up: every observation after the start is NaN."""

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        return np.array([np.nan]), reward, terminated, truncated, info


def test_a_non_finite_episode_outcome_is_blamed_on_the_gym_env_not_the_motor_signal():
    """A NaN final observation raised "channel 'o0' is NaN" and nothing more: with a finite
    motor signal in hand the user could not tell the gym env had produced it."""
    env = GymEpisodeEnvironment({"env": NaNObservation(), "max_steps": 2})
    with pytest.raises(SignalError, match=r"from the final observation of .*'o0' is NaN") as err:
        env.execute({"a0": 0.5})
    assert err.value.channel == "o0"
    sensory = GymEpisodeEnvironment(
        {
            "env": Recorder(),
            "max_steps": 2,
            "sensory": lambda episode: [episode.episode_return, np.inf],
            "s_channels": [Channel("r"), Channel("q")],
        }
    )
    with pytest.raises(SignalError, match=r"from the sensory function's output: .*'q' is inf"):
        sensory.execute({"a0": 0.5})


def test_an_integer_box_action_is_rounded_to_the_nearest_integer_as_documented():
    """The docstring says the constant policy rounds the motor vector to the box's dtype;
    astype truncated instead (4.7 executed 4), so on a Box(0, 5) of ints motor babbling
    over the channel's bounds reached 5 only at exactly 5.0."""
    env = GymEpisodeEnvironment({"env": Recorder(spaces.Box(0, 5, (1,), np.int64)), "max_steps": 1})
    assert env.execute({"a0": 4.7})["m_signal"] == {"a0": 5.0}
    assert env.execute({"a0": 0.4})["m_signal"] == {"a0": 0.0}
    assert [int(a[0]) for a in env.gym_env.actions] == [5, 0]
