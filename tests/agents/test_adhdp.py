"""ADHDP: the action gradient against finite differences, the TD update, terminal states,
bad input, the hooks and schedules."""

import math

import numpy as np
import pytest

from sensorimotor.agents.adhdp.adhdp import ADHDP
from sensorimotor.agents.adhdp.policy import ChannelPolicy, HeadingPolicy
from sensorimotor.envs import CartPoleADP, CartPoleBalance, CollisionAvoidanceFrontal, Epuck2D
from sensorimotor.reservoir import PlainRLS, ReservoirNode


def make_critic(seed=0, leak=0.3, scale=10.0, offset=1.5, **kw):
    env = CartPoleADP({"seed": seed})
    reservoir = ReservoirNode(
        5, 30, spectral_radius=0.8, leak_rate=leak, bias_scaling=0.3, seed=seed
    )
    readout = PlainRLS(35, 1)
    agent = ADHDP(
        reservoir,
        readout,
        CartPoleBalance(),
        ChannelPolicy(env.m_channels),
        gamma=0.95,
        alpha=2.0,
        action_scale=scale,
        action_offset=offset,
        **kw,
    )
    return env, agent


def trained(seed=0, steps=60, **kw):
    env, agent = make_critic(seed, **kw)
    agent.new_episode(env.reset())
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if agent.done:
            agent.new_episode(env.reset())
        agent(env)
    _random_readout(agent, rng)  # weights that make every path of the chain rule count
    return env, agent


def _random_readout(agent, rng):
    agent.readout._state = agent.readout.state._replace(
        beta=rng.normal(size=agent.readout.beta.shape)
    )


@pytest.mark.parametrize("leak", [0.3, 1.0])
def test_action_gradient_matches_finite_differences(leak):
    env, agent = trained(leak=leak)
    state = agent.plant.state_input(env.s_set.from_array(np.array([*env.state, 0.0])))
    before = agent.reservoir.state.copy()
    for a in (-7.0, 0.0, 3.3):
        action = np.array([a])
        g = agent.action_gradient(state, action)
        h = 1e-5
        fd = (agent.critic(state, action + h) - agent.critic(state, action - h)) / (2 * h)
        assert abs(g[0] - fd) <= 1e-6 * max(1.0, abs(fd)), (g, fd)
    assert np.array_equal(agent.reservoir.state, before)  # evaluated without committing


def test_gradient_divides_by_the_action_scale():
    _, a1 = trained(scale=1.0, offset=0.0)
    _, a2 = trained(scale=4.0, offset=0.0)
    state = np.full(4, 0.1)
    # the same weights and reservoir see (a / c): dJ/da at c = 4 is a quarter of dJ/du at u
    a2.readout._state = a1.readout.state
    a2.reservoir.set_state(a1.reservoir.state)
    g1 = a1.action_gradient(state, np.array([0.5]))
    g4 = a2.action_gradient(state, np.array([2.0]))
    np.testing.assert_allclose(g4, g1 / 4.0, rtol=1e-12)


def test_the_step_is_the_documented_update():
    env, agent = trained()
    agent.readout._state = agent.readout.state._replace(beta=agent.readout.beta * 0.01)
    if agent.done:
        agent.new_episode(env.reset())
    z_curr, a_curr, x_before = agent._z.copy(), agent.a_curr.copy(), agent.reservoir.state.copy()
    j_curr = float(agent.readout(z_curr)[0])
    probe = agent.reservoir.copy()
    readout = agent.readout.copy()
    feedback = agent(env)
    s_next = feedback["s_signal"]
    state = agent.plant.state_input(s_next)
    # the gradient at the new state, from the reservoir state after (s_t, a_t)
    probe.set_state(x_before)
    u = np.concatenate((state, (a_curr - 1.5) / 10.0))
    beta = readout.beta[:, 0]
    g = (probe.input_jacobian(u).T @ beta[:30] + beta[30:35])[4:] / 10.0
    a_next = np.clip(a_curr + 2.0 * g, -10, 10)
    np.testing.assert_allclose(agent.a_curr, a_next, rtol=1e-12)
    u_next = np.concatenate((state, (a_next - 1.5) / 10.0))
    x_next = probe.execute(u_next, simulate=True)
    z_next = np.concatenate((x_next, u_next))
    j_next = float(readout(z_next)[0])
    readout.train(z_curr, error=s_next["reward"] + 0.95 * j_next - j_curr)
    np.testing.assert_allclose(agent.readout.beta, readout.beta, rtol=1e-12)
    np.testing.assert_allclose(agent.reservoir.state, x_next, rtol=1e-12)


def test_nothing_is_bootstrapped_past_a_terminal_state():
    env, agent = make_critic()
    records = []
    agent._pre_increment_hook = lambda **kw: records.append(kw)
    agent.new_episode(env.reset())
    while not agent.done:
        agent(env)
    last = records[-1]
    assert last["reward"] == -1.0 and last["j_next"] == 0.0
    assert last["td_error"] == pytest.approx(-1.0 - last["j_curr"])
    with pytest.raises(RuntimeError, match="new_episode"):
        agent(env)


class NaNPlant(CartPoleBalance):
    bad = None

    def state_input(self, s_signal):
        return self.bad if self.bad is not None else super().state_input(s_signal)


@pytest.mark.parametrize("bad", [np.array([0.0, np.nan, 0.0, 0.0]), np.zeros(3)])
def test_a_bad_state_is_refused_with_the_critic_unchanged(bad):
    env = CartPoleADP({"seed": 1})
    plant = NaNPlant()
    agent = ADHDP(
        ReservoirNode(5, 10, seed=0), PlainRLS(15, 1), plant, ChannelPolicy(env.m_channels)
    )
    agent.new_episode(env.reset())
    agent(env)
    beta, P, x = (
        agent.readout.beta.copy(),
        agent.readout.state.optimizer.P.copy(),
        agent.reservoir.state.copy(),
    )
    plant.bad = bad
    with pytest.raises(ValueError, match="state"):
        agent(env)
    assert np.array_equal(agent.readout.beta, beta)
    assert np.array_equal(agent.readout.state.optimizer.P, P)
    assert np.array_equal(agent.reservoir.state, x)


@pytest.mark.parametrize("bad", [np.array([np.nan]), np.zeros(2)])
def test_a_bad_action_is_refused_with_the_critic_unchanged(bad):
    env, agent = make_critic()
    agent.new_episode(env.reset())
    agent(env)
    beta, x = agent.readout.beta.copy(), agent.reservoir.state.copy()
    agent._next_action_hook = lambda a: bad
    with pytest.raises(ValueError, match="action"):
        agent(env)
    assert np.array_equal(agent.readout.beta, beta)
    assert np.array_equal(agent.reservoir.state, x)
    with pytest.raises(ValueError, match="action"):
        agent.critic(np.zeros(4), np.array([np.inf]))
    with pytest.raises(ValueError, match="state"):
        agent.critic(np.zeros(5), np.zeros(1))


def test_wrong_dimensions_are_refused():
    env = CartPoleADP()
    with pytest.raises(ValueError, match="reservoir.input_dim"):
        ADHDP(
            ReservoirNode(4, 10), PlainRLS(14, 1), CartPoleBalance(), ChannelPolicy(env.m_channels)
        )
    with pytest.raises(ValueError, match="readout"):
        ADHDP(
            ReservoirNode(5, 10), PlainRLS(10, 1), CartPoleBalance(), ChannelPolicy(env.m_channels)
        )


@pytest.mark.parametrize("name", ["action_offset", "action_scale"])
def test_an_offset_or_scale_of_the_wrong_length_is_refused_naming_it(name):
    env = CartPoleADP()
    # was NumPy's "operands could not be broadcast together ...", naming neither
    with pytest.raises(ValueError, match=rf"{name} must be a number or one per action"):
        ADHDP(
            ReservoirNode(5, 10),
            PlainRLS(15, 1),
            CartPoleBalance(),
            ChannelPolicy(env.m_channels),
            **{name: [1.0, 2.0]},
        )


def test_a_policy_of_no_action_or_of_a_gymnasium_space_is_refused_naming_it():
    gymnasium = pytest.importorskip("gymnasium")
    from sensorimotor.agents.adhdp.policy import Policy

    # ADHDP took an action of 0 dimensions (nothing to improve) and Policy(1.5) as 1
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="action_space_dim"):
            Policy(bad)
    with pytest.raises(ValueError, match="m_channels is empty"):
        ChannelPolicy([])
    # was "'Box' object is not iterable", naming neither the argument nor what it wants
    for space in (gymnasium.spaces.Box(-2.0, 2.0, (1,)), gymnasium.spaces.Discrete(2)):
        with pytest.raises(TypeError, match="m_channels must be a list of Channel"):
            ChannelPolicy(space)


def test_schedules_and_hooks_are_called_with_episode_and_step():
    env, agent = trained()  # weights that give the action a gradient
    seen, gammas, records = [], [], []

    def alpha(episode, step):
        seen.append((episode, step))
        return 0.5 * step

    def gamma(episode, step):
        gammas.append((episode, step))
        return 0.2 * step

    agent.set_alpha(alpha)
    agent.set_gamma(gamma)
    agent._pre_increment_hook = lambda **kw: records.append(kw)
    agent.new_episode(env.reset())
    episode = agent.episode
    for _ in range(3):
        agent(env)
    assert seen == gammas == [(episode, 1), (episode, 2)]  # the first call observes
    # the values returned are the ones used: the step of the action's gradient ascent and
    # the discount of the TD error (a schedule called and then ignored passed before)
    assert len(records) == 2
    for (_, step), r in zip(seen, records, strict=True):
        a_next = np.clip(r["action"] + 0.5 * step * r["gradient"], -10, 10)
        np.testing.assert_allclose(r["a_next"], a_next, rtol=1e-12)
        assert np.any(r["gradient"] != 0)
        td = r["reward"] + 0.2 * step * r["j_next"] - r["j_curr"]
        assert r["td_error"] == pytest.approx(td, rel=1e-12)
        assert r["j_next"] != 0.0


def test_a_schedule_of_one_argument_is_hdpys_function_of_the_step():
    # HDPy's gamma and alpha are "a function of the time (relative to the episode start)":
    # lambda t: ... was accepted, then failed at the first learning step with "<lambda>()
    # takes 1 positional argument but 2 were given"
    env, agent = trained()
    steps = []

    def alpha(t):
        steps.append(t)
        return 0.5

    agent.set_alpha(alpha)
    agent.set_gamma(lambda t: 0.9)
    agent.new_episode(env.reset())
    for _ in range(3):
        agent(env)
    assert steps == [1, 2]
    # a function that takes neither form is refused when set, naming the setting
    with pytest.raises(TypeError, match="gamma: a function must take"):
        agent.set_gamma(lambda: 0.9)
    with pytest.raises(TypeError, match="momentum: a function must take"):
        agent.set_momentum(lambda a, b, c: 0.5)


def test_hdpys_norm_keyword_says_where_scaling_is_done_here():
    # HDPy's ActorCritic and ADHDP take norm= (a PuPy.Normalization); Python said only
    # "unexpected keyword argument 'norm'"
    from sensorimotor.agents.adhdp.actor_critic import ActorCritic
    from sensorimotor.agents.adhdp.adhdp_variants import ActionGradient

    args = (CollisionAvoidanceFrontal(), HeadingPolicy())
    reservoir = (ReservoirNode(4, 20, seed=0), PlainRLS(24, 1))
    for make in (
        ActorCritic,
        lambda *a, **k: ADHDP(*reservoir, *a, **k),
        lambda *a, **k: ActionGradient(*reservoir, *a, **k),
    ):
        with pytest.raises(TypeError, match="'norm' is HDPy's name; here: .*action_scale="):
            make(*args, gamma=0.9, norm=None)


def test_same_seed_same_run_on_the_epuck():
    def run():
        robot = Epuck2D()
        agent = ADHDP(
            ReservoirNode(4, 20, leak_rate=0.5, seed=3),
            PlainRLS(24, 1),
            CollisionAvoidanceFrontal(),
            HeadingPolicy(),
            gamma=0.9,
            alpha=0.5,
            action_scale=math.pi,
        )
        out = []
        for episode in range(3):
            agent.new_episode(robot.reset(seed=episode))
            for _ in range(30):
                if agent.done:
                    break
                out.append(agent(robot)["s_signal"]["x"])
        return out

    assert run() == run()


def test_a_td_readout_gets_the_successor_and_none_past_a_failure():
    from sensorimotor.nets.td_readout import TDReadout

    env = CartPoleADP({"seed": 2})
    readout = TDReadout(15)
    calls = []
    train_td = readout.train_td
    readout.train_td = lambda z, z_next, gamma, error: (
        calls.append((z.copy(), None if z_next is None else z_next.copy(), gamma)),
        train_td(z, z_next, gamma, error),
    )
    agent = ADHDP(
        ReservoirNode(5, 10, seed=0),
        readout,
        CartPoleBalance(),
        ChannelPolicy(env.m_channels),
        gamma=0.9,
        action_scale=10.0,
    )
    agent.new_episode(env.reset())
    while not agent.done:
        agent(env)
    assert calls[-1][1] is None and all(c[1] is not None for c in calls[:-1])
    for (_z, z_next, gamma), (z2, _, _) in zip(calls[:-1], calls[1:]):
        np.testing.assert_array_equal(z_next, z2)  # the successor is the next sample
        assert gamma == 0.9


def test_a_td_readout_learns_with_adhdps_default_gamma_of_one():
    """TDReadout refused gamma = 1 (ADHDP's default, HDPy's): every step from the second
    on raised, though its docstring says gamma in [0, 1]."""
    from sensorimotor.nets.td_readout import TDReadout

    env = CartPoleADP({"seed": 2})
    readout = TDReadout(15)
    agent = ADHDP(
        ReservoirNode(5, 10, seed=0), readout, CartPoleBalance(), ChannelPolicy(env.m_channels)
    )
    assert agent.gamma(0, 0) == 1.0  # a constant schedule
    agent.new_episode(env.reset())
    while not agent.done:
        agent(env)
    assert readout.count > 1
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \[0, 1\]"):
        readout.train_td(np.ones(15), None, 1.01, 0.0)


class BadRewardPlant(CartPoleBalance):
    bad = None

    def reward(self, s_signal):
        return self.bad if self.bad is not None else super().reward(s_signal)


def _agent_state(agent):
    """Everything a control period may change, as plain values."""
    parts = [agent.episode, agent.num_step, agent.done, agent.terminal, agent.a_curr.tobytes()]
    if hasattr(agent, "readout"):
        parts += [agent.readout.beta.tobytes(), agent.readout.count, agent._z.tobytes()]
        parts += [agent.readout.state.optimizer.P.tobytes(), agent.reservoir.state.tobytes()]
        parts += [agent.j_curr, agent.policy.action.tobytes()]
        if hasattr(agent, "actor"):  # the state-feedback actor and its exploration
            parts += [agent.actor.beta.tobytes(), repr(agent.rng.bit_generator.state)]
    else:
        parts += [np.asarray(p).tobytes() for p in agent.params] + [agent.j_prev]
    return parts


@pytest.mark.parametrize("kind", ["state_feedback", "direct_hdp"])
@pytest.mark.parametrize(
    "bad, error", [(float("nan"), ValueError), (float("inf"), ValueError), ("x", TypeError)]
)
def test_a_bad_reward_is_refused_naming_it_with_the_agent_unchanged(kind, bad, error):
    from sensorimotor.agents.adhdp.state_feedback import StateFeedbackADHDP
    from sensorimotor.agents.direct_hdp.direct_hdp_agent import DirectHDP
    from sensorimotor.reservoir import LMSReadout

    env, plant = CartPoleADP({"seed": 0}), BadRewardPlant()
    policy = ChannelPolicy(env.m_channels)
    if kind == "direct_hdp":  # an inf reward made its weights inf, a NaN one was learnt from
        agent = DirectHDP(plant, policy, action_scale=10.0)
    else:  # the exploring actor's generator moved on before the critic refused the error
        agent = StateFeedbackADHDP(
            ReservoirNode(5, 10, seed=0),
            PlainRLS(15, 1),
            LMSReadout(4, 1),
            plant,
            policy,
            gamma=0.9,
            action_scale=10.0,
            exploration=0.1,
            seed=0,
        )
    agent.new_episode(env.reset())
    agent(env)
    agent(env)
    before = _agent_state(agent)
    plant.bad = bad
    with pytest.raises(error, match="reward"):
        agent(env)
    assert _agent_state(agent) == before


def test_a_refused_terminal_step_leaves_terminal_as_it_was():
    class FailingNaNPlant(NaNPlant):
        def terminal(self, s_signal):
            return self.bad is not None or super().terminal(s_signal)

    env, plant = CartPoleADP({"seed": 1}), FailingNaNPlant()
    agent = ADHDP(
        ReservoirNode(5, 10, seed=0), PlainRLS(15, 1), plant, ChannelPolicy(env.m_channels)
    )
    agent.new_episode(env.reset())
    agent(env)
    plant.bad = np.array([0.0, np.nan, 0.0, 0.0])
    with pytest.raises(ValueError, match="state"):
        agent(env)  # the step that would have ended the episode
    assert (agent.terminal, agent.done, agent.num_step) == (False, False, 1)


def _after_two_steps(agent, env):
    """Start an episode, take two steps, and return the agent's state then."""
    agent.new_episode(env.reset())
    agent(env)
    agent(env)
    return _agent_state(agent)


def test_a_refused_action_leaves_the_exploring_actor_as_it_was():
    from sensorimotor.agents.adhdp.state_feedback import StateFeedbackADHDP
    from sensorimotor.reservoir import LMSReadout

    env = CartPoleADP({"seed": 0})
    agent = StateFeedbackADHDP(
        ReservoirNode(5, 10, seed=0),
        PlainRLS(15, 1),
        LMSReadout(4, 1),
        CartPoleBalance(),
        ChannelPolicy(env.m_channels),
        gamma=0.9,
        action_scale=10.0,
        exploration=0.1,
        seed=0,
    )
    before = _after_two_steps(agent, env)
    agent._next_action_hook = lambda a: np.array([np.nan])
    with pytest.raises(ValueError, match="action"):
        agent(env)
    assert _agent_state(agent) == before  # the generator too: a draw for a refused step


@pytest.mark.parametrize("bad", [np.array([np.nan]), np.zeros(2)])
def test_a_refused_recomputed_action_leaves_the_critic_as_it_was(bad):
    from sensorimotor.agents.adhdp.adhdp_variants import ActionRecomputation

    env = CartPoleADP({"seed": 0})
    agent = ActionRecomputation(
        ReservoirNode(5, 10, seed=0),
        PlainRLS(15, 1),
        CartPoleBalance(),
        ChannelPolicy(env.m_channels),
        gamma=0.9,
        alpha=2.0,
        action_scale=10.0,
    )
    before, count = _after_two_steps(agent, env), agent.readout.count
    calls = []

    def hook(a):  # the first proposal (the TD target) passes, the recomputed one is bad
        calls.append(a)
        return a if len(calls) == 1 else bad

    agent._next_action_hook = hook
    with pytest.raises(ValueError, match="action"):  # refused after the readout has learnt
        agent(env)
    assert len(calls) == 2
    assert _agent_state(agent) == before
    del agent._next_action_hook  # the agent goes on as if the refused step had not happened
    agent(env)
    assert agent.readout.count == count + 1


@pytest.mark.parametrize("alpha", [1.0, 0.25, 2.0])
def test_brute_force_moves_a_share_alpha_of_the_way_to_the_best_candidate(alpha):
    from sensorimotor.agents.adhdp.adhdp_variants import ActionBruteForce

    env = CartPoleADP({"seed": 0})
    policy = ChannelPolicy(env.m_channels)
    agent = ActionBruteForce(
        np.array([[-5.0], [0.0], [4.0]]),
        ReservoirNode(5, 20, seed=0),
        PlainRLS(25, 1),
        CartPoleBalance(),
        policy,
        alpha=alpha,
        action_scale=10.0,
    )
    rng = np.random.default_rng(0)
    _random_readout(agent, rng)
    state = rng.normal(size=agent.state_dim)
    values = [agent.critic(state, c) for c in agent.candidates]
    best = agent.candidates[int(np.argmax(values))]
    a_curr = np.array([1.0])
    a_next, _ = agent._propose(state, a_curr)
    want = policy.bound(a_curr + alpha * (best - a_curr))
    np.testing.assert_allclose(a_next, want, atol=1e-12)
    if alpha == 1.0:
        assert np.array_equal(a_next, best)  # the candidate itself, bit for bit


def test_small_argument_checks_of_the_adhdp_parts():
    """From a user-journey review: 'no' was a relative HeadingPolicy; NumPy ints were refused
    as init_steps and repeat while dimensions took them; a seed of -1 got NumPy's message;
    a relative heading without a 'pose' channel raised a bare KeyError."""
    from sensorimotor.actorcritic import ActorCritic, HeadingPolicy, StateFeedbackADHDP

    with pytest.raises(TypeError, match="relative must be True or False"):
        HeadingPolicy(relative="no")
    env = CartPoleADP({"seed": 0})
    assert ChannelPolicy(env.m_channels, repeat=np.int64(2)).repeat == 2
    assert (
        ActorCritic(
            CartPoleBalance(), ChannelPolicy(env.m_channels), init_steps=np.int64(2)
        ).init_steps
        == 2
    )
    with pytest.raises(ValueError, match="seed must be None or an int >= 0, got -1"):
        StateFeedbackADHDP(
            ReservoirNode(5, 10, seed=0),
            PlainRLS(15, 1),
            PlainRLS(4, 1),
            CartPoleBalance(),
            ChannelPolicy(env.m_channels),
            seed=-1,
        )
    with pytest.raises(ValueError, match="no 'pose' channel"):
        HeadingPolicy().motor_signals({"x": 1.0})


def test_a_momentum_out_of_range_names_its_own_class():
    """``RadialMomentum(1.5)`` said "ActorCritic.momentum must be ...", with no actor-critic
    in sight (a seed users' review)."""
    from sensorimotor.agents.adhdp.momentum import RadialMomentum

    with pytest.raises(ValueError, match=r"^RadialMomentum\.momentum must be"):
        RadialMomentum(1.5)


@pytest.mark.parametrize("bad", ["1.5", True, [[0.5]], [0.5, 1.0], math.nan])
def test_a_heading_policy_refuses_an_initial_heading_that_is_not_one_number(bad):
    """HeadingPolicy cast initial to float first: "1.5" became 1.5 and True 1.0."""
    with pytest.raises((TypeError, ValueError), match="initial"):
        HeadingPolicy(initial=bad)
    assert HeadingPolicy(initial=np.float32(0.5)).initial_action().tolist() == [0.5]
