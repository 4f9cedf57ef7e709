"""HDPy's 2D ePuck: ray geometry, moving and stopping, episodes, reward, plants, both faces."""

import math
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sensorimotor.envs import (
    CollisionAvoidanceFrontal,
    CollisionAvoidanceFull,
    CollisionAvoidanceSideways,
    Epuck2D,
    Epuck2DEnv,
    EpuckState,
    avoidance_reward,
    check_environment,
    epuck_move,
    epuck_sensors,
    random_heading_baseline,
)
from sensorimotor.envs.epuck.arena_geometry import (
    inside_polygon,
    ray_distances,
    segment_clearance,
    segments_from,
)
from sensorimotor.envs.epuck.epuck import HDPY_OBSTACLES
from sensorimotor.signals import SignalError

BOX = ((10, -10, 10, 10), (-10, -10, -10, 10), (-10, 10, 10, 10), (-10, -10, 10, -10))
R2 = math.sqrt(2.0)
EMPTY = {"obstacles": (), "ir_max": 20.0}


def at(x, y, pose=0.0):
    return EpuckState(np.array([x, y], dtype=np.float64), np.float64(pose))


# -- geometry ---------------------------------------------------------------------------------
def test_rays_in_an_empty_box_match_hand_computed_distances():
    edges = segments_from(BOX)
    ir = epuck_sensors(at(2.0, 0.0), edges, ir_max=20.0)
    # ahead 8 to x=10; +-45 deg: 8*sqrt2 (x=10 first); +-90: 10; +-135: 10*sqrt2 (y=+-10
    # first, 12*sqrt2 to x=-10); behind 12
    expected = [8, 8 * R2, 10, 10 * R2, 12, 10 * R2, 10, 8 * R2]
    np.testing.assert_allclose(ir, expected, rtol=1e-12)
    capped = epuck_sensors(at(2.0, 0.0), edges, ir_max=9.0)
    np.testing.assert_allclose(capped, np.minimum(expected, 9.0), rtol=1e-12)


def test_the_sensors_turn_with_the_pose():
    edges = segments_from(BOX)
    ir = epuck_sensors(at(2.0, 0.0, math.pi / 2), edges, ir_max=20.0)  # facing +y
    np.testing.assert_allclose(ir[[0, 2, 4, 6]], [10, 12, 10, 8], rtol=1e-12)


def test_a_ray_into_a_corner_meets_both_walls_there():
    edges = segments_from(BOX)
    for k, (cx, cy) in enumerate([(10, 10), (-10, 10), (-10, -10), (10, -10)]):
        angle = math.pi / 4 + k * math.pi / 2
        d = ray_distances(np.zeros(2), np.array([angle]), edges)[0]
        assert d == pytest.approx(10 * R2, rel=1e-12), (cx, cy)


def test_obstacle_sides_vertices_and_misses():
    square = [(3.0, -1.0), (5.0, -1.0), (5.0, 1.0), (3.0, 1.0)]
    edges = segments_from(obstacles=[square])
    p = np.zeros(2)
    angles = np.array([0.0, math.atan2(1, 3), math.pi / 2, math.atan2(1.5, 3)])
    d = ray_distances(p, angles, edges, max_range=15.0)
    # the near side at x=3; the vertex (3, 1); nothing straight up; passing above the square
    np.testing.assert_allclose(d, [3.0, math.hypot(3, 1), 15.0, 15.0], rtol=1e-12)
    diamond = segments_from(obstacles=[HDPY_OBSTACLES[1]])  # corners (0,-3) (2,-5) (0,-7) (-2,-5)
    assert ray_distances(p, np.array([-math.pi / 2]), diamond)[0] == pytest.approx(3.0)


def test_a_ray_along_a_free_wall_meets_its_near_end():
    edges = segments_from([(3.0, 0.0, 6.0, 0.0)])
    assert ray_distances(np.zeros(2), np.array([0.0]), edges)[0] == 3.0
    assert ray_distances(np.array([4.0, 0.0]), np.array([0.0]), edges)[0] == 0.0
    assert ray_distances(np.array([7.0, 0.0]), np.array([0.0]), edges)[0] == math.inf
    assert ray_distances(np.array([0.0, 1.0]), np.array([0.0]), edges)[0] == math.inf


def test_rays_broadcast_over_a_batch_of_positions():
    edges = segments_from(BOX, HDPY_OBSTACLES)
    rng = np.random.default_rng(0)
    positions = rng.uniform(-9, 9, (5, 2))
    angles = rng.uniform(0, 2 * math.pi, (5, 8))
    batch = ray_distances(positions, angles, edges, 15.0)
    one_by_one = [ray_distances(p, a, edges, 15.0) for p, a in zip(positions, angles)]
    np.testing.assert_array_equal(batch, np.array(one_by_one))


def test_the_same_rays_on_jax_match_numpy():
    import jax
    import jax.numpy as jnp

    edges = segments_from(BOX, HDPY_OBSTACLES)
    rng = np.random.default_rng(1)
    positions = rng.uniform(-9, 9, (4, 2))
    angles = rng.uniform(0, 2 * math.pi, (4, 8))
    expected = ray_distances(positions, angles, edges, 15.0)
    got = jax.jit(lambda p, a: ray_distances(p, a, jnp.asarray(edges, p.dtype), 15.0))(
        jnp.asarray(positions, jnp.float32), jnp.asarray(angles, jnp.float32)
    )
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-4, atol=1e-4)
    headings = rng.uniform(0, 2 * math.pi, 4)
    moved, hit = epuck_move(EpuckState(positions, angles[:, 0]), headings, edges, 3.0)
    jax_move = jax.jit(
        lambda p, a, h: epuck_move(EpuckState(p, a), h, edges.astype(np.float32), 3.0)
    )
    got, got_hit = jax_move(
        *(jnp.asarray(v, jnp.float32) for v in (positions, angles[:, 0], headings))
    )
    np.testing.assert_allclose(np.asarray(got.position), moved.position, rtol=1e-4, atol=1e-4)
    assert np.asarray(got_hit).tolist() == hit.tolist() and hit.any() and not hit.all()


def test_inside_polygon_and_clearance():
    diamond = HDPY_OBSTACLES[1]
    pts = np.array([[0.0, -5.0], [1.9, -5.0], [2.1, -5.0], [0.0, -2.9], [5.0, 5.0]])
    assert inside_polygon(pts, diamond).tolist() == [True, True, False, False, False]
    edges = segments_from(obstacles=[diamond])
    assert segment_clearance(np.array([0.0, -2.0]), edges) == pytest.approx(1.0)
    assert segment_clearance(np.array([0.0, -5.0]), edges) == pytest.approx(R2)


# -- moving ------------------------------------------------------------------------------------
def test_the_robot_moves_a_fixed_distance_and_stops_at_a_wall():
    robot = Epuck2D(EMPTY)
    robot.reset(position=(9.6, 0.0), pose=0.0)
    s = robot.execute({"heading": 0.0})["s_signal"]
    assert (s["x"], s["y"], s["collision"]) == (pytest.approx(9.85), 0.0, 0.0)
    s = robot.execute({"heading": 0.0})["s_signal"]  # 0.15 to the wall, 0.25 wanted
    assert s["collision"] == 1.0 and robot.collided
    assert s["x"] == pytest.approx(10.0, abs=1e-8) and s["x"] < 10.0
    assert s["ir0"] == pytest.approx(0.0, abs=1e-8)
    s = robot.execute({"heading": 0.0})["s_signal"]  # pressing on: it stays, still colliding
    assert s["collision"] == 1.0 and s["x"] < 10.0
    s = robot.execute({"heading": math.pi})["s_signal"]  # away from the wall: free again
    assert s["collision"] == 0.0 and s["x"] == pytest.approx(9.75, abs=1e-8)


def test_the_robot_stops_at_an_obstacle_and_never_crosses_it():
    robot = Epuck2D()
    robot.reset(position=(-3.1, 1.0), pose=0.0)  # the left rectangle's side is x = -4
    s = robot.execute({"heading": math.pi})["s_signal"]
    assert s["collision"] == 0.0 and s["x"] == pytest.approx(-3.35)
    for _ in range(5):
        s = robot.execute({"heading": math.pi})["s_signal"]
    assert s["collision"] == 1.0 and -4.0 < s["x"] < -4.0 + 1e-8


def test_heading_is_wrapped_and_reported_as_executed():
    robot = Epuck2D(EMPTY)
    robot.reset(position=(0.0, 0.0), pose=0.0)
    fb = robot.execute({"heading": 5 * math.pi / 2})
    assert fb["m_signal"]["heading"] == pytest.approx(math.pi / 2)
    assert fb["s_signal"]["pose"] == pytest.approx(math.pi / 2)
    assert fb["s_signal"]["y"] == pytest.approx(0.25)


def test_pure_step_matches_the_environment():
    robot = Epuck2D()
    robot.reset(seed=4)
    state = robot.state
    rng = np.random.default_rng(0)
    for heading in rng.uniform(0, 2 * math.pi, 30):
        state, hit = epuck_move(state, np.float64(heading), robot.edges, robot.step_length)
        s = robot.execute({"heading": float(heading)})["s_signal"]
        assert [s["x"], s["y"]] == state.position.tolist() and s["collision"] == float(hit)
        np.testing.assert_array_equal(
            [s[f"ir{k}"] for k in range(8)], epuck_sensors(state, robot.edges, robot.ir_max)
        )


# -- starts ----------------------------------------------------------------------------------
def test_random_starts_avoid_obstacles_and_are_seeded():
    robot = Epuck2D()
    rng = np.random.default_rng(0)
    starts = [robot.random_start(rng) for _ in range(300)]
    positions = np.array([s.position for s in starts])
    for polygon in robot.polygons:
        assert not inside_polygon(positions, polygon).any()
    assert np.all(segment_clearance(positions, robot.edges) >= robot.step_length)
    assert np.all(np.abs(positions) < 10)
    assert robot.reset(seed=7) == Epuck2D().reset(seed=7)
    assert robot.reset(seed=7) != robot.reset(seed=8)


def test_custom_obstacles_and_a_crowded_arena():
    wall = [(-1.0, -10.0), (1.0, -10.0), (1.0, 10.0), (-1.0, 10.0)]  # splits the box
    robot = Epuck2D({"obstacles": [wall], "step_length": 0.5})
    assert len(robot.edges) == 8
    for seed in range(20):
        s = robot.reset(seed=seed)
        assert abs(s["x"]) >= 1.5
    with pytest.raises(RuntimeError, match="no room"):
        Epuck2D({"obstacles": [[(-10, -10), (10, -10), (10, 10), (-10, 10)]]})


def test_reset_refuses_a_position_inside_an_obstacle_and_keeps_the_robot():
    robot = Epuck2D()
    before = robot.reset(position=(0.0, 0.0), pose=1.0)
    for bad in [(0.0, -5.0), (11.0, 0.0), (math.nan, 0.0), "here", (1.0, 2.0, 3.0)]:
        with pytest.raises(ValueError, match="position"):
            robot.reset(position=bad, pose=0.0)
        assert robot.s_set.from_array(robot.observation()) == before
    with pytest.raises(ValueError, match="pose"):
        robot.reset(position=(0.0, 0.0), pose=math.inf)


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"position": (math.nan, 0.0)}, "position"),  # the pose would be drawn
        ({"position": (0.0, -5.0), "seed": 5}, "position"),  # a new generator would replace it
        ({"pose": math.inf}, "pose"),  # the position would be drawn
        ({"position": (0.0, 0.0), "pose": "north", "seed": 5}, "pose"),
    ],
)
def test_a_refused_reset_leaves_the_robots_generator_as_it_was(bad, key):
    robot, twin = Epuck2D(), Epuck2D()
    with pytest.raises(ValueError, match=key):
        robot.reset(**bad)
    assert robot.reset() == twin.reset()  # the next random start is the one it would have been


@pytest.mark.parametrize(
    "cfg, key",
    [
        ({"step_length": 0.0}, "step_length"),
        ({"ir_max": -1.0}, "ir_max"),
        ({"step_length": "far"}, "step_length"),
        ({"step_length": np.timedelta64(1)}, "step_length"),  # NumPy's integer subclass
        ({"ir_max": 10**400}, "ir_max"),  # no float holds it
        ({"obstacles": [[(0, 0), (1, 1)]]}, "obstacles"),
        ({"obstacles": [[(0, 0), (1, math.nan), (1, 0)]]}, "obstacles"),
        ({"walls": [(0, 0, 1)]}, "walls"),
        ({"start_box": ((1, 1), (0, 0))}, "start_box"),
        ({"start_clearance": 0}, "start_clearance"),
    ],
)
def test_bad_configs_are_refused_naming_the_key(cfg, key):
    with pytest.raises(ValueError, match=key):
        Epuck2D(cfg)


# -- the Environment face --------------------------------------------------------------------
def test_environment_face_passes_the_conformance_suite():
    report = check_environment(Epuck2D, deterministic=False)
    assert report["check_refuses_nan"] == "passed"
    custom = {"obstacles": [[(2, 2), (4, 2), (3, 4)]], "step_length": 0.5}
    check_environment(lambda: Epuck2D(custom), deterministic=False)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0.5", None, [1.0], True])
def test_a_refused_heading_names_the_channel_and_leaves_the_robot(bad):
    robot = Epuck2D()
    robot.reset(seed=3)
    state = robot.state
    with pytest.raises(SignalError) as err:
        robot.execute({"heading": bad})
    assert err.value.channel == "heading"
    assert robot.state is state and not robot.collided


def test_channels_and_their_bounds():
    robot = Epuck2D()
    assert robot.m_set.names == ("heading",)
    assert robot.s_set.names == (*(f"ir{k}" for k in range(8)), "x", "y", "pose", "collision")
    assert robot.s_set["ir3"].bounds == (0.0, 15.0) and robot.s_set["x"].bounds == (-10.0, 10.0)


# -- the Gymnasium face ----------------------------------------------------------------------
def test_gym_env_passes_check_env_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gymnasium.make("sensorimotor/Epuck2D-v0").unwrapped)
        custom = {"obstacles": [[(2, 2), (4, 2), (3, 4)]], "step_length": 0.5}
        check_env(gymnasium.make("sensorimotor/Epuck2D-v0", robot=custom).unwrapped)


def test_a_collision_ends_the_episode():
    env = Epuck2DEnv(robot=EMPTY)
    env.reset(options={"position": (9.6, 0.0), "pose": 0.0})
    east = np.array([1.0], np.float32)  # heading 2 pi: +x
    obs, reward, terminated, truncated, info = env.step(east)
    assert (terminated, truncated, info["collision"], info["steps"]) == (False, False, False, 1)
    obs, reward, terminated, truncated, info = env.step(east)
    assert (terminated, truncated, info["collision"]) == (True, False, True)
    assert obs[11] == 1.0 and reward == pytest.approx(-1.0 - 2 * 1.0, abs=1e-6)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(east)


def test_episodes_are_truncated_after_200_steps():
    env = gymnasium.make("sensorimotor/Epuck2D-v0").unwrapped
    env.reset(options={"position": (-8.0, 8.0), "pose": 0.0})
    actions = [np.array([1.0], np.float32), np.array([0.0], np.float32)]  # east, west
    for t in range(200):
        _, _, terminated, truncated, info = env.step(actions[t % 2])
        assert not terminated and truncated == (t == 199)
    assert info["steps"] == 200
    with pytest.raises(RuntimeError):
        env.step(actions[0])
    env.reset(seed=0)
    assert env.step(actions[0])[4]["steps"] == 1


def test_reward_is_the_sum_over_front_sensors_of_min_ir_minus_theta():
    env = Epuck2DEnv(robot=EMPTY)
    env.reset(options={"position": (9.25, 0.0), "pose": 0.0})
    obs, reward, *_ = env.step(np.array([1.0], np.float32))  # to x = 9.5, facing the wall
    ir = obs[:8].astype(np.float64)
    # ahead 0.5, +-45 degrees 0.5 sqrt2: (0.5 - 1) + 2 (0.707 - 1)
    assert reward == pytest.approx(-0.5 + 2 * (0.5 * R2 - 1.0), rel=1e-6)
    assert reward == pytest.approx(sum(min(ir[k] - 1.0, 0.0) for k in (0, 1, 7)), rel=1e-6)
    s_signal = dict(zip(env.env.s_set.names, obs.astype(float).tolist()))
    assert env.reward({}, s_signal) == pytest.approx(reward, rel=1e-6)
    far = Epuck2DEnv(robot=EMPTY, theta=0.25)
    far.reset(options={"position": (9.25, 0.0), "pose": 0.0})
    assert far.step(np.array([1.0], np.float32))[1] == 0.0  # every front sensor beyond theta


@pytest.mark.parametrize(
    "action",
    [
        np.array([np.nan], np.float32),
        np.array([np.inf]),
        np.zeros(2),
        np.zeros(()),
        np.array(["a"]),
        None,
        "west",
    ],
)
def test_bad_actions_name_the_heading_and_leave_the_episode(action):
    env = gymnasium.make("sensorimotor/Epuck2D-v0").unwrapped
    env.reset(seed=1)
    env.step(np.array([0.5], np.float32))
    state, steps = env.env.state, env.steps
    with pytest.raises(SignalError, match="heading"):
        env.step(action)
    assert env.env.state is state and env.steps == steps
    env.step(np.array([0.5], np.float32))  # the episode goes on


def test_same_seed_same_trajectory():
    def run(seed):
        env = gymnasium.make("sensorimotor/Epuck2D-v0").unwrapped
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        out = [obs]
        for _ in range(50):
            obs, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 1).astype(np.float32))
            out.append(obs)
            if terminated or truncated:
                break
        return np.array(out)

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5)[0], run(6)[0])


def test_reset_options_are_checked():
    env = Epuck2DEnv()
    with pytest.raises(ValueError, match="unknown options"):
        env.reset(options={"positon": (0, 0)})
    with pytest.raises(ValueError, match="position"):
        env.reset(options={"position": (0.0, -5.0)})  # inside the diamond


@pytest.mark.parametrize(
    "options, error",
    [
        ({"positon": (0, 0)}, ValueError),
        ({"position": (0.0, -5.0)}, ValueError),
        ({"position": (math.nan, 0.0)}, ValueError),
        ({"position": (0.0, 0.0), "pose": math.inf}, ValueError),
        ({"pose": "north"}, ValueError),
        ([("position", (0.0, 0.0))], TypeError),
    ],
)
def test_a_refused_reset_leaves_the_env_generator_as_it_was(options, error):
    """The options were checked after the reseed and the start's draw: a refused
    ``reset(seed=5, options=...)`` left the generator reseeded and moved on."""
    env, twin = Epuck2DEnv(), Epuck2DEnv()
    env.reset(seed=1)
    twin.reset(seed=1)
    with pytest.raises(error, match="options|position|pose"):
        env.reset(seed=5, options=options)
    assert env.np_random.bit_generator.state == twin.np_random.bit_generator.state
    assert env.np_random_seed == twin.np_random_seed
    np.testing.assert_array_equal(env.reset()[0], twin.reset()[0])


# -- reward, plants, baseline ----------------------------------------------------------------
def test_avoidance_reward_and_the_plants():
    ir = np.array([0.2, 0.5, 3.0, 0.1, 9.0, 9.0, 0.3, 2.0])
    assert avoidance_reward(ir) == pytest.approx(-0.8 - 0.5)
    s = {f"ir{k}": float(v) for k, v in enumerate(ir)} | {"x": 0.0}
    assert CollisionAvoidanceFrontal().reward(s) == pytest.approx(-1.3)
    assert CollisionAvoidanceSideways().reward(s) == pytest.approx(-0.8 - 0.7)
    assert CollisionAvoidanceFull().reward(s) == pytest.approx(-0.8 - 0.5 - 0.9 - 0.7)
    np.testing.assert_allclose(CollisionAvoidanceFrontal().state_input(s), ir[[0, 1, 7]] / 15)
    assert avoidance_reward(np.stack([ir, ir + 5])).tolist() == pytest.approx([-1.3, 0.0])


def test_plant_noise_is_seeded_and_bad_signals_name_the_channel():
    s = {f"ir{k}": 5.0 for k in range(8)}
    a = CollisionAvoidanceFrontal(obs_noise=0.05, seed=3)
    b = CollisionAvoidanceFrontal(obs_noise=0.05, seed=3)
    rewards = [a.reward(s) for _ in range(5)]
    assert rewards == [b.reward(s) for _ in range(5)] and np.std(rewards) > 0
    plant = CollisionAvoidanceFrontal()
    for bad, channel in [({**s, "ir7": math.nan}, "ir7"), ({**s, "ir1": "x"}, "ir1")]:
        with pytest.raises(SignalError, match=channel):
            plant.reward(bad)
    with pytest.raises(SignalError, match="ir0"):
        plant.state_input({"ir1": 1.0})
    with pytest.raises(ValueError, match="theta"):
        CollisionAvoidanceFrontal(theta=math.nan)


def test_the_plant_reads_the_environment_feedback():
    robot = Epuck2D(EMPTY)
    robot.reset(position=(9.25, 0.0), pose=0.0)
    s = robot.execute({"heading": 0.0})["s_signal"]
    assert CollisionAvoidanceFrontal().reward(s) == pytest.approx(-0.5 + 2 * (0.5 * R2 - 1.0))


def test_random_heading_baseline_equals_the_environment_step_by_step():
    result = random_heading_baseline(episodes=6, seed=2)
    robot = Epuck2D()
    rng = np.random.default_rng(2)
    starts = [robot.random_start(rng) for _ in range(6)]
    headings = rng.uniform(0, 2 * math.pi, (200, 6))
    for i, start in enumerate(starts):
        robot.reset(position=start.position, pose=float(start.pose))
        path = [start.position]
        for t in range(200):
            s = robot.execute({"heading": float(headings[t, i])})["s_signal"]
            path.append([s["x"], s["y"]])
            if s["collision"]:
                break
        assert result.lengths[i] == t + 1 and result.collided[i] == bool(s["collision"])
        np.testing.assert_array_equal(result.trajectories[i], np.array(path))
    assert result.median_length == float(np.median(result.lengths))


def test_random_headings_collide_often_in_hdpys_arena():
    result = random_heading_baseline(episodes=100, seed=0)
    assert 0.4 < result.collision_rate < 0.9
    assert result.median_length < 150
    assert random_heading_baseline(episodes=100, seed=0).lengths.tolist() == result.lengths.tolist()
