"""ADHDP on a Gymnasium environment through GymStepEnvironment and GymPlant."""

import numpy as np

from sensorimotor.actorcritic import (
    ADHDP,
    ActorCritic,
    ChannelPolicy,
    GymPlant,
    GymStepEnvironment,
    PlainRLS,
    ReservoirNode,
)


def pendulum_agent(env):
    plant = GymPlant(env)
    return ADHDP(
        ReservoirNode(4, 20, leak_rate=0.5, seed=0),
        PlainRLS(24, 1),
        plant,
        ChannelPolicy(env.m_channels),
        gamma=0.9,
        alpha=0.5,
        momentum=0.3,
        action_scale=2.0,
    )


def test_adhdp_runs_pendulum_episodes_within_the_torque_bounds():
    env = GymStepEnvironment("Pendulum-v1")
    agent = pendulum_agent(env)
    actions, lengths = [], []
    for episode in range(2):
        agent.new_episode(env.reset(seed=episode))
        while not env.episode_over:
            fb = agent(env)
            actions.append(agent.a_curr[0])
            assert -2.0 <= fb["m_signal"]["a0"] <= 2.0
        lengths.append(agent.num_step)
        # a truncation is not terminal: the agent did not end the episode, the loop did
        assert not agent.done and not agent.terminal
    assert lengths == [200, 200]
    assert agent.readout.count == 2 * 199  # every transition after the first trained the critic
    actions = np.array(actions)
    assert np.all((actions >= -2.0) & (actions <= 2.0))
    assert np.any(actions == 2.0) or np.any(actions == -2.0)  # the bounds were reached: clipped
    assert np.ptp(actions) > 0.1  # the actor moved


def test_saved_agent_continues_identically(tmp_path):
    env = GymStepEnvironment("Pendulum-v1")
    agent = pendulum_agent(env)
    agent.new_episode(env.reset(seed=3))
    executed = [agent(env)["m_signal"] for _ in range(40)]
    agent.save(tmp_path)
    # a second pendulum brought to the same state by the same actions
    twin_env = GymStepEnvironment("Pendulum-v1")
    twin_env.reset(seed=3)
    for m in executed:
        twin_env.execute(m)
    twin = ADHDP.load(tmp_path, GymPlant(twin_env), ChannelPolicy(twin_env.m_channels))
    for _ in range(30):
        a, b = agent(env), twin(twin_env)
        assert a["m_signal"] == b["m_signal"] and a["s_signal"] == b["s_signal"]
        assert agent.j_curr == twin.j_curr
    np.testing.assert_array_equal(agent.a_curr, twin.a_curr)


def test_a_control_period_of_several_steps_stops_at_the_time_limit():
    """Pendulum-v1 truncates after 200 steps: a period of 3 steps that crosses it ends
    there (an execute past it would be refused), not terminal."""
    env = GymStepEnvironment("Pendulum-v1")
    agent = ActorCritic(GymPlant(env), ChannelPolicy(env.m_channels, repeat=3))
    agent.new_episode(env.reset(seed=0))
    while not env.episode_over:
        agent(env)
    assert env.steps == 200 and agent.num_step == 67 and not agent.done
