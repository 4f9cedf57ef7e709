"""GymStepEnvironment and GymPlant: a gymnasium.Env stepped one action per execute."""

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sensorimotor import Channel, SignalError
from sensorimotor.envs import GymPlant, GymStepEnvironment, check_environment


class Scripted(gymnasium.Env):
    """A 1-D integrator whose observations (and rewards) can be scripted, that terminates
    at |x| >= 1 and records its closes."""

    metadata = {"render_modes": []}

    def __init__(self, action_space=None, start=0.0, bad_obs=None, bad_reward=None):
        self.action_space = action_space or spaces.Box(-1.0, 1.0, (1,), np.float64)
        self.observation_space = spaces.Box(-10.0, 10.0, (1,), np.float64)
        self.start, self.bad_obs, self.bad_reward = start, bad_obs, bad_reward
        self.closes = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x, self.t = self.start, 0
        return np.array([self.x if self.bad_obs != 0 else np.nan]), {"t": 0}

    def step(self, action):
        self.t += 1
        self.x = float(self.x + np.sum(action))
        obs = np.array([np.nan if self.t == self.bad_obs else self.x])
        reward = np.inf if self.t == self.bad_reward else -abs(self.x)
        return obs, reward, abs(self.x) >= 1.0, False, {"t": self.t}

    def close(self):
        self.closes += 1


def test_channels_of_pendulum_and_mountain_car():
    env = GymStepEnvironment("Pendulum-v1")
    assert env.m_channels == [Channel("a0", (-2.0, 2.0))]
    assert [ch.name for ch in env.s_channels] == [
        "o0",
        "o1",
        "o2",
        "reward",
        "terminated",
        "truncated",
    ]
    assert env.s_set["o2"].bounds == (-8.0, 8.0)
    assert env.s_set["terminated"].bounds == (0.0, 1.0)
    env.close()
    car = GymStepEnvironment({"env": "MountainCarContinuous-v0", "seed": 1})
    assert car.m_channels == [Channel("a0", (-1.0, 1.0))]
    assert [ch.name for ch in car.s_channels][:2] == ["o0", "o1"]
    np.testing.assert_allclose(car.s_set["o0"].bounds, (-1.2, 0.6), rtol=1e-6)
    np.testing.assert_allclose(car.s_set["o1"].bounds, (-0.07, 0.07), rtol=1e-6)
    car.close()


def test_a_box_of_several_dimensions_is_flattened_row_major():
    box = spaces.Box(
        -np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), dtype=np.float64
    )
    env = GymStepEnvironment(Scripted(action_space=box))
    assert [(ch.name, ch.bounds[1]) for ch in env.m_channels] == [
        ("a0", 1.0),
        ("a1", 2.0),
        ("a2", 3.0),
        ("a3", 4.0),
    ]


@pytest.mark.parametrize("env_id", ["Pendulum-v1", "MountainCarContinuous-v0"])
def test_reset_and_steps_agree_with_the_raw_gym_env(env_id):
    env = GymStepEnvironment(env_id)
    raw = gymnasium.make(env_id)
    actions = np.random.default_rng(0).uniform(-3.0, 3.0, 30)  # some beyond the box
    high = float(raw.action_space.high[0])
    s = env.reset(seed=5)
    obs, _ = raw.reset(seed=5)
    assert [s[f"o{i}"] for i in range(len(obs))] == obs.astype(np.float64).tolist()
    assert (s["reward"], s["terminated"], s["truncated"]) == (0.0, 0.0, 0.0)
    for a in actions:
        meta = {}
        fb = env.execute({"a0": float(a)}, meta)
        executed = np.clip(np.array([a], np.float32), -high, high)
        obs, reward, terminated, truncated, info = raw.step(executed)
        assert fb["m_signal"] == {"a0": float(executed[0])}
        s = fb["s_signal"]
        assert [s[f"o{i}"] for i in range(len(obs))] == obs.astype(np.float64).tolist()
        assert s["reward"] == float(reward)
        assert (s["terminated"], s["truncated"]) == (float(terminated), float(truncated))
        assert meta["info"] is env.info
    assert env.steps == 30
    env.close()
    raw.close()


def test_the_first_reset_is_seeded_by_the_config():
    a, b = GymStepEnvironment({"env": "Pendulum-v1", "seed": 4}), gymnasium.make("Pendulum-v1")
    obs, _ = b.reset(seed=4)
    assert a.execute({"a0": 0.0})["s_signal"]["o2"] == float(b.step([0.0])[0][2])
    assert GymStepEnvironment("Pendulum-v1").reset(seed=4) == a.reset(seed=4)


def test_stepping_past_the_end_is_refused_until_reset():
    env = GymStepEnvironment({"env": "Pendulum-v1", "env_kwargs": {"max_episode_steps": 3}})
    for _ in range(3):
        assert not env.episode_over
        s = env.execute({"a0": 0.0})["s_signal"]
    assert env.episode_over and s["truncated"] == 1.0 and s["terminated"] == 0.0
    with pytest.raises(RuntimeError, match=r"truncated after 3 steps\): call reset\(\)"):
        env.execute({"a0": 0.0})
    env.reset()
    assert not env.episode_over and env.steps == 0
    env.execute({"a0": 0.0})
    ends = GymStepEnvironment(Scripted(start=0.5))
    assert ends.execute({"a0": 0.75})["s_signal"]["terminated"] == 1.0
    with pytest.raises(RuntimeError, match="terminated after 1 steps"):
        ends.execute({"a0": 0.0})


def test_a_non_box_action_space_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"needs a Box action space.*Discrete\(2\)"):
        GymStepEnvironment("CartPole-v1")
    gym_env = Scripted(action_space=spaces.MultiBinary(3))
    with pytest.raises(ValueError, match=r"MultiBinary\(3\)"):
        GymStepEnvironment(gym_env)
    assert gym_env.closes == 1  # nothing left open


@pytest.mark.parametrize(
    ("cfg", "error", "match"),
    [
        ({"env": "Pendulum-v1", "seed": -1}, ValueError, "seed"),
        ({"env": "Pendulum-v1", "seed": 1.5}, ValueError, "seed"),
        ({"env": 3}, TypeError, "'env' must be a gymnasium.Env or an id"),
        ({"env": "Pendulum-v1", "env_kwargs": [1]}, TypeError, "env_kwargs"),
        ({"env": "Pendulum-v1", "horizon": 5}, Exception, "horizon"),  # unknown key
    ],
)
def test_bad_config_is_refused(cfg, error, match):
    with pytest.raises(error, match=match):
        GymStepEnvironment(cfg)


def test_bad_reset_arguments_are_refused():
    env = GymStepEnvironment("Pendulum-v1")
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        env.reset(seed=-2)
    with pytest.raises(TypeError, match="options must be a dict"):
        env.reset(options="high")


def test_a_nan_observation_names_the_channel_and_the_gym_env():
    env = GymStepEnvironment(Scripted(bad_obs=2))
    env.execute({"a0": 0.1})
    with pytest.raises(SignalError, match="Gymnasium env.*step 2.*'o0' is NaN") as err:
        env.execute({"a0": 0.1})
    assert err.value.channel == "o0"
    assert env.steps == 2 and env.info == {"t": 2}  # the gym env did step
    bad_reward = GymStepEnvironment(Scripted(bad_reward=1))
    with pytest.raises(SignalError, match="'reward'") as err:
        bad_reward.execute({"a0": 0.1})
    assert err.value.channel == "reward"


def test_a_nan_at_the_start_leaves_no_episode_to_step():
    with pytest.raises(SignalError, match="Gymnasium env.*reset.*'o0' is NaN"):
        GymStepEnvironment(Scripted(bad_obs=0))
    gym_env = Scripted()
    env = GymStepEnvironment(gym_env)
    gym_env.bad_obs = 0
    with pytest.raises(SignalError, match="'o0'"):
        env.reset()
    assert env.episode_over
    with pytest.raises(RuntimeError, match="its start was refused: call reset"):
        env.execute({"a0": 0.0})
    gym_env.bad_obs = None
    env.reset()
    env.execute({"a0": 0.0})


def test_close_closes_the_gym_env_once():
    gym_env = Scripted()
    env = GymStepEnvironment(gym_env)
    env.close()
    env.close()
    assert gym_env.closes == 1
    with pytest.raises(RuntimeError, match="closed"):
        env.execute({"a0": 0.0})
    with pytest.raises(RuntimeError, match="closed"):
        env.reset()


@pytest.mark.parametrize("env_id", ["Pendulum-v1", "MountainCarContinuous-v0"])
def test_conforms(env_id):
    report = check_environment(lambda: GymStepEnvironment(env_id), deterministic=False)
    assert all(v == "passed" or v.startswith("skipped") for v in report.values())
    assert report["check_refuses_nan"] == "passed"


# -- the plant ------------------------------------------------------------------------------
def test_plant_scales_the_observation_from_its_bounds():
    env = GymStepEnvironment("Pendulum-v1")
    plant = GymPlant(env)
    assert plant.state_space_dim() == 3 and plant.channels == ("o0", "o1", "o2")
    s = {"o0": -1.0, "o1": 0.5, "o2": 4.0, "reward": -2.5, "terminated": 0.0, "truncated": 1.0}
    np.testing.assert_allclose(plant.state_input(s), [-1.0, 0.5, 0.5])
    assert plant.reward(s) == -2.5
    assert plant.terminal(s) is False and plant.truncated(s) is True  # a time limit
    assert plant.terminal({**s, "terminated": 1.0}) is True
    # MountainCarContinuous-v0: the velocity's +-0.07 becomes +-1, beside the position
    car = GymPlant(GymStepEnvironment("MountainCarContinuous-v0"))
    s = {"o0": -0.3, "o1": -0.07, "reward": 0.0, "terminated": 0.0, "truncated": 0.0}
    np.testing.assert_allclose(car.state_input(s), [0.0, -1.0], atol=1e-6)


def test_plant_unbounded_channels_and_given_scales():
    channels = [Channel("o0", (0.0, 4.0)), Channel("o1"), Channel("reward"), Channel("terminated")]
    s = {"o0": 3.0, "o1": 7.0, "reward": 1.0, "terminated": 0.0}
    np.testing.assert_allclose(GymPlant(channels).state_input(s), [0.5, 7.0])  # o1 as it is
    np.testing.assert_allclose(GymPlant(channels, scales=[2.0, 10.0]).state_input(s), [1.5, 0.7])
    np.testing.assert_allclose(GymPlant(channels, scales=1.0).state_input(s), [3.0, 7.0])
    assert GymPlant(channels).truncated(s) is False  # no truncated channel


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("Pendulum-v1",), TypeError, "GymStepEnvironment or its s_channels"),
        (([Channel("o0"), Channel("reward")],), ValueError, "terminated"),
        (([Channel("reward"), Channel("terminated")],), ValueError, "no observation channel"),
        (
            ([Channel("o0"), Channel("reward"), Channel("terminated")], "range"),
            ValueError,
            "scales",
        ),
        (
            ([Channel("o0"), Channel("reward"), Channel("terminated")], [1, 2]),
            ValueError,
            "1 numbers",
        ),
        (([Channel("o0"), Channel("reward"), Channel("terminated")], 0.0), ValueError, "positive"),
        (([Channel("o0"), Channel("reward"), Channel("terminated")], np.nan), ValueError, "finite"),
    ],
)
def test_plant_refuses_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        GymPlant(*args)


def test_plant_refuses_a_missing_or_nan_channel():
    plant = GymPlant(GymStepEnvironment("Pendulum-v1"))
    s = {"o0": 1.0, "o1": 0.0, "o2": 0.0, "reward": 0.0, "terminated": 0.0, "truncated": 0.0}
    with pytest.raises(SignalError, match="'o1' is NaN"):
        plant.state_input({**s, "o1": float("nan")})
    with pytest.raises(SignalError, match="missing channel 'reward'"):
        plant.reward({k: v for k, v in s.items() if k != "reward"})
