"""ADHDP saved and loaded continues identically; the episode log keeps every finished
episode of a run killed mid-episode."""

import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sensorimotor.actorcritic import (
    ADHDP,
    ActionBruteForce,
    ActionGradient,
    ActionRecomputation,
    CartPoleADP,
    CartPoleBalance,
    ChannelPolicy,
    CollisionAvoidanceFrontal,
    Epuck2D,
    HeadingPolicy,
    LMSReadout,
    PlainRLS,
    RadialMomentum,
    ReservoirNode,
    StabilizedRLS,
    StateFeedbackADHDP,
    load_adhdp,
)
from sensorimotor.run import EpisodeLog, read_episodes


def epuck_agent(kind="ADHDP", collector=None):
    args = (ReservoirNode(4, 20, leak_rate=0.5, seed=0), StabilizedRLS(24, 1, lambda_=0.99))
    kw = dict(gamma=0.9, alpha=0.3, action_scale=math.pi, collector=collector)
    rest = (CollisionAvoidanceFrontal(), HeadingPolicy())
    if kind == "ADHDP":
        return ADHDP(*args, *rest, momentum=0.3, **kw)
    if kind == "ActionGradient":
        return ActionGradient(*args, *rest, max_iterations=3, **kw)
    if kind == "ActionRecomputation":
        return ActionRecomputation(*args, *rest, **kw)
    turns = np.linspace(-math.pi, math.pi, 8, endpoint=False)
    return ActionBruteForce(turns, *args, *rest, **kw)


def run(agent, robot, steps, episode_seeds):
    out = []
    for _ in range(steps):
        if agent.done:
            agent.new_episode(robot.reset(seed=next(episode_seeds)))
        fb = agent(robot)
        out.append((fb["s_signal"]["x"], float(agent.a_curr[0]), agent.j_curr))
    return out


@pytest.mark.parametrize(
    "kind", ["ADHDP", "ActionGradient", "ActionRecomputation", "ActionBruteForce"]
)
def test_save_load_continues_identically(tmp_path, kind):
    robot = Epuck2D()
    seeds = iter(range(1000))
    agent = epuck_agent(kind)
    run(agent, robot, 120, seeds)
    agent.save(tmp_path / "agent")
    state = robot.state
    rest = list(seeds)
    expected = run(agent, robot, 150, iter(rest))
    robot.state = state
    back = load_adhdp(tmp_path / "agent", CollisionAvoidanceFrontal(), HeadingPolicy())
    assert type(back) is type(agent)
    assert run(back, robot, 150, iter(rest)) == expected


def test_save_load_state_feedback_with_exploration(tmp_path):
    def make():
        env = CartPoleADP({"seed": 0})
        agent = StateFeedbackADHDP(
            ReservoirNode(5, 20, seed=0),
            PlainRLS(25, 1),
            LMSReadout(4, 1, step_size=0.05),
            CartPoleBalance(),
            ChannelPolicy(env.m_channels),
            gamma=0.95,
            alpha=5.0,
            action_scale=10.0,
            exploration=0.1,
            seed=3,
        )
        return env, agent

    def go(agent, env, steps):
        out = []
        for _ in range(steps):
            if agent.done:
                agent.new_episode(env.reset())
            agent(env)
            out.append(float(agent.a_curr[0]))
        return out

    env, agent = make()
    go(agent, env, 50)
    agent.save(tmp_path / "sf")
    state, rng = env.state, env.rng.bit_generator.state
    expected = go(agent, env, 80)
    env.state, env.rng.bit_generator.state = state, rng
    back = load_adhdp(tmp_path / "sf", CartPoleBalance(), ChannelPolicy(env.m_channels))
    assert go(back, env, 80) == expected


def test_functions_are_needed_again_at_load(tmp_path):
    agent = epuck_agent()
    agent.set_alpha(lambda episode, step: 0.1)
    agent.save(tmp_path / "a")
    with pytest.raises(ValueError, match="alpha"):
        load_adhdp(tmp_path / "a", CollisionAvoidanceFrontal(), HeadingPolicy())
    back = load_adhdp(
        tmp_path / "a", CollisionAvoidanceFrontal(), HeadingPolicy(), alpha=lambda e, s: 0.1
    )
    assert back.alpha(1, 1) == 0.1


def test_radial_momentum_is_saved(tmp_path):
    agent = ADHDP(
        ReservoirNode(4, 10, seed=0),
        PlainRLS(14, 1),
        CollisionAvoidanceFrontal(),
        HeadingPolicy(relative=False),
        momentum=RadialMomentum(0.4),
        action_offset=math.pi,
        action_scale=math.pi,
    )
    agent.save(tmp_path / "r")
    back = load_adhdp(tmp_path / "r", CollisionAvoidanceFrontal(), HeadingPolicy(relative=False))
    assert isinstance(back.momentum, RadialMomentum) and back.momentum.momentum.value == 0.4


def test_a_users_own_momentum_is_asked_for_at_load(tmp_path):
    """A subclass of Momentum was saved as nothing and loaded as a plain Momentum."""
    from sensorimotor.actorcritic import Momentum

    class Halving(Momentum):
        pass

    agent = epuck_agent()
    agent.momentum = Halving(0.3)
    agent.save(tmp_path / "a")
    with pytest.raises(ValueError, match="the momentum was a Halving when saved"):
        load_adhdp(tmp_path / "a", CollisionAvoidanceFrontal(), HeadingPolicy())
    back = load_adhdp(
        tmp_path / "a", CollisionAvoidanceFrontal(), HeadingPolicy(), momentum=Halving(0.3)
    )
    assert type(back.momentum) is Halving


def test_a_subclass_load_refuses_an_agent_of_another_class(tmp_path):
    agent = epuck_agent()  # a plain ADHDP
    robot = Epuck2D()
    agent.new_episode(robot.reset(seed=0))
    agent(robot)
    agent(robot)
    agent.save(tmp_path / "a")
    policy = HeadingPolicy()
    # ActionBruteForce.load returned the saved ADHDP, silently of another class
    for cls in (ActionBruteForce, StateFeedbackADHDP):
        with pytest.raises(ValueError, match="holds a saved ADHDP, not the " + cls.__name__):
            cls.load(tmp_path / "a", CollisionAvoidanceFrontal(), policy)
    assert policy.action.tolist() == [0.0]  # refused before taking the saved action
    assert type(ADHDP.load(tmp_path / "a", CollisionAvoidanceFrontal(), policy)) is ADHDP
    brute = epuck_agent("ActionBruteForce")
    brute.save(tmp_path / "b")
    back = ADHDP.load(tmp_path / "b", CollisionAvoidanceFrontal(), HeadingPolicy())
    assert type(back) is ActionBruteForce  # the base class reads its subclasses


def test_a_corrupt_file_names_itself(tmp_path):
    agent = epuck_agent()
    agent.save(tmp_path / "c")
    (tmp_path / "c" / "readout.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="readout.npz"):
        load_adhdp(tmp_path / "c", CollisionAvoidanceFrontal(), HeadingPolicy())


def test_the_collector_gets_every_step_one_group_per_episode(tmp_path):
    class Tee:
        """The log, and a copy of every record the agent hands it."""

        def __init__(self, log):
            self.log, self.records = log, []

        def append(self, record):
            self.records.append({k: np.copy(v) for k, v in record.items()})
            self.log.append(record)

        def end_episode(self):
            self.log.end_episode()

    path = tmp_path / "log.h5"
    robot = Epuck2D()
    with EpisodeLog(path) as log:
        tee = Tee(log)
        agent = epuck_agent(collector=tee)
        lengths = []
        for episode in range(4):
            agent.new_episode(robot.reset(seed=episode))
            while not agent.done and agent.num_step < 40:
                agent(robot)
            lengths.append(agent.num_step)
    episodes = read_episodes(path)
    assert len(episodes) == 4
    records = iter(tee.records)
    for episode, n in zip(episodes, lengths):
        # the first control period only observes (init_steps = 1)
        assert episode["reward"].shape == (n - 1,)
        given = [next(records) for _ in range(n - 1)]
        for key in ("j_curr", "td_error", "action", "gradient", "ir0", "x", "collision"):
            assert episode[key].shape[0] == n - 1
            # each step's record, in its episode, in order
            want = np.array([r[key] for r in given]).reshape(episode[key].shape)
            np.testing.assert_array_equal(episode[key], want, err_msg=key)
    assert next(records, None) is None
    assert np.ptp(episodes[0]["td_error"]) > 0  # not one value repeated


SCRIPT = textwrap.dedent(
    """
    import math, sys
    from sensorimotor.actorcritic import (ADHDP, CollisionAvoidanceFrontal, Epuck2D,
        HeadingPolicy, PlainRLS, ReservoirNode)
    from sensorimotor.run import EpisodeLog
    log = EpisodeLog(sys.argv[1])
    robot = Epuck2D()
    agent = ADHDP(ReservoirNode(4, 10, seed=0), PlainRLS(14, 1), CollisionAvoidanceFrontal(),
                  HeadingPolicy(), gamma=0.9, alpha=0.3, action_scale=math.pi, collector=log)
    for episode in range(3):
        agent.new_episode(robot.reset(seed=episode))
        while not agent.done and agent.num_step < 20:
            agent(robot)
    agent.new_episode(robot.reset(seed=9))
    for _ in range(5):
        agent(robot)
    print("mid-episode", flush=True)
    while True:
        agent(robot) if not agent.done else agent.new_episode(robot.reset(seed=9))
    """
)


def test_sigkill_mid_episode_keeps_every_finished_episode(tmp_path):
    path = tmp_path / "killed.h5"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(path)], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "mid-episode"
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    episodes = read_episodes(path)
    assert len(episodes) >= 3
    assert all(np.all(np.isfinite(e["j_curr"])) for e in episodes)
    with EpisodeLog(path) as log:  # the lock died with the writer: a new one appends
        log.append({"reward": 0.0})
    assert len(read_episodes(path)) == len(episodes) + 1


def test_save_load_with_a_td_readout(tmp_path):
    from sensorimotor.actorcritic import TDReadout

    def make():
        return ADHDP(
            ReservoirNode(4, 20, leak_rate=0.5, seed=0),
            TDReadout(24),
            CollisionAvoidanceFrontal(),
            HeadingPolicy(),
            gamma=0.9,
            alpha=0.3,
            action_scale=math.pi,
        )

    robot, seeds = Epuck2D(), iter(range(1000))
    agent = make()
    run(agent, robot, 60, seeds)
    agent.save(tmp_path / "td")
    state, rest = robot.state, list(seeds)
    expected = run(agent, robot, 60, iter(rest))
    robot.state = state
    back = load_adhdp(tmp_path / "td", CollisionAvoidanceFrontal(), HeadingPolicy())
    assert isinstance(back.readout, TDReadout)
    assert run(back, robot, 60, iter(rest)) == expected


def test_a_folder_saved_again_loads_the_agent_saved_last(tmp_path):
    from sensorimotor.actorcritic import TDReadout

    robot, seeds = Epuck2D(), iter(range(1000))
    td_agent = ADHDP(
        ReservoirNode(4, 20, leak_rate=0.5, seed=0),
        TDReadout(24),
        CollisionAvoidanceFrontal(),
        HeadingPolicy(),
        gamma=0.9,
        action_scale=math.pi,
    )
    run(td_agent, robot, 20, seeds)
    td_agent.save(tmp_path / "agent")
    agent = epuck_agent()  # a StabilizedRLS critic, saved over the TD one
    run(agent, robot, 40, seeds)
    agent.save(tmp_path / "agent")
    state, rest = robot.state, list(seeds)
    expected = run(agent, robot, 30, iter(rest))
    robot.state = state
    back = load_adhdp(tmp_path / "agent", CollisionAvoidanceFrontal(), HeadingPolicy())
    assert isinstance(back.readout, StabilizedRLS)  # not the TD readout left from before
    assert run(back, robot, 30, iter(rest)) == expected


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h.update(episode="3"),
        lambda h: h.update(num_step=-1),
        lambda h: h.update(j_curr=None),
        lambda h: h["extra"].pop("candidates", None) or h.update(done="yes"),
        # these loaded, and the next step failed with a TypeError or KeyError naming no file
        lambda h: h.update(s_curr="garbage"),
        lambda h: h.update(s_curr=[1, 2]),
        lambda h: h.update(s_curr={"x": "far"}),
        lambda h: h["settings"].update(momentum_kind=[]),
        # an unknown kind loaded as a plain Momentum: the run did not continue as saved
        lambda h: h["settings"].update(momentum_kind="WarpMomentum"),
    ],
)
def test_a_hand_edited_state_is_refused_naming_the_folder(tmp_path, edit):
    """load_adhdp converted its header's counters and flags unguarded (a TypeError or a
    silently wrong state); now a ValueError naming the folder."""
    import json

    agent = epuck_agent("ActionBruteForce")
    run(agent, Epuck2D(), 20, iter(range(100)))
    agent.save(tmp_path / "agent")
    path = tmp_path / "agent" / "adhdp.json"
    header = json.loads(path.read_text())
    edit(header)
    path.write_text(json.dumps(header))
    with pytest.raises(ValueError, match="agent"):
        load_adhdp(tmp_path / "agent", CollisionAvoidanceFrontal(), HeadingPolicy())


def test_brute_force_candidates_of_another_action_dimension_are_refused():
    from sensorimotor.agents.adhdp.plant import Plant
    from sensorimotor.agents.adhdp.policy import Policy

    class Still(Plant):
        def state_space_dim(self):
            return 1

        def state_input(self, s_signal):
            return np.zeros(1)

        def reward(self, s_signal):
            return 0.0

    def make(candidates):
        return ActionBruteForce(
            candidates, ReservoirNode(4, 10, seed=0), PlainRLS(14, 1), Still(), Policy(3)
        )

    assert make(np.ones((2, 3))).candidates.shape == (2, 3)
    # three 2-vectors were reshaped into two 3-vectors, (1, 2, 3), (4, 5, 6), without a word
    for bad in (np.arange(6.0).reshape(3, 2), np.arange(6.0), [[1.0, 2.0, 3.0, 4.0]]):
        with pytest.raises(ValueError, match="candidates"):
            make(bad)
