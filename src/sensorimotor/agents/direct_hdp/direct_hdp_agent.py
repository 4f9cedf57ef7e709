"""``DirectHDP``: Si and Wang's (2001) learning controller as an HDPy-style actor-critic
driving a ``sensorimotor.Environment`` one step at a time."""

from __future__ import annotations

import math
import os

import jax
import numpy as np

from sensorimotor.agents.adhdp.actor_critic import ActorCritic
from sensorimotor.agents.adhdp.adhdp_io import check_saved_signal
from sensorimotor.agents.direct_hdp.direct_hdp import (
    DEFAULT_DIRECT_HDP,
    DirectHDPConfig,
    DirectHDPParams,
    actor_action,
    check_direct_hdp_config,
    critic_value,
    direct_hdp_update,
    init_direct_hdp,
)
from sensorimotor.base.bounds import check_seed_range, is_int, is_real
from sensorimotor.base.saved_file import (
    check_arrays,
    make_header,
    read_json,
    read_npz,
    write_json,
    write_npz,
)

FORMAT = "sensorimotor.direct_hdp"
FORMAT_VERSION = 1
_KEYS = ("config", "action_scale", "bang_bang", "episode", "num_step", "done", "terminal", "s_curr")


_update = jax.jit(direct_hdp_update, static_argnames="config")


class DirectHDP(ActorCritic):
    r"""Si and Wang's direct heuristic dynamic programming: an actor network
    :math:`a(s)` and a critic network :math:`J(s, a)`, both learning at every step
    (:func:`~sensorimotor.agents.direct_hdp.direct_hdp.direct_hdp_update`; the networks, the errors
    and the defaults are in :mod:`sensorimotor.agents.direct_hdp.direct_hdp`).

    At each step the action is the actor's output at the plant's state, :math:`u =
    \text{action\_scale}\; a(s)` (``bang_bang``: :math:`\text{action\_scale}\,
    \mathrm{sgn}\, a(s)`, the binary control of Si and Wang's group's program), bounded by
    the policy. After the plant's answer, the critic learns its error, the actor climbs
    the critic towards :math:`J = U_c`, and the next action is the trained actor's at
    the new state. A failure (the plant's terminal state) ends the episode: nothing is
    bootstrapped past it; the weights carry over to the next episode. ``plant`` gives the
    (normalised) state, the reward (-1 at a failure, 0 otherwise) and the failures;
    ``config`` a :class:`~sensorimotor.agents.direct_hdp.direct_hdp.DirectHDPConfig`; ``seed`` the
    initial weights. ``params`` holds the weights (JAX arrays), ``j_prev`` the critic's
    value of the current state and action. The learning step is compiled once (the
    first call takes a second); a sensory signal with a missing or non-finite channel
    raises an error naming it, with the agent unchanged. The restart of a stuck run and
    many runs at once are :func:`~sensorimotor.agents.direct_hdp.direct_hdp_compiled.direct_hdp_trials`'
    (compiled; what ``sensorimotor adhdp cartpole`` measures).

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = DirectHDP(CartPoleBalance(), ChannelPolicy(env.m_channels), action_scale=10.0)
    >>> agent.new_episode(env.reset())
    >>> while not agent.done:
    ...     _ = agent(env)
    >>> agent.num_step > 0, float(agent.j_prev) != 0.0
    (True, True)
    """

    def __init__(
        self,
        plant,
        policy,
        config: DirectHDPConfig = DEFAULT_DIRECT_HDP,
        action_scale=1.0,
        bang_bang: bool = False,
        seed: int = 0,
        collector=None,
    ):
        # the arguments first: the base class reads config.gamma
        check_direct_hdp_config(config)
        if not is_real(action_scale) or not (math.isfinite(action_scale) and action_scale > 0):
            raise ValueError(f"action_scale must be a positive finite number, got {action_scale!r}")
        if not isinstance(bang_bang, bool):
            raise TypeError(f"bang_bang must be a bool, got {bang_bang!r}")
        # a key holds 32 bits: seed 2**32 drew seed 0's weights, and -1 those of 2**32 - 1
        seed = check_seed_range("seed", seed)
        super().__init__(plant, policy, gamma=config.gamma, init_steps=0, collector=collector)
        self.config = config
        self.action_scale = float(action_scale)
        self.bang_bang = bang_bang
        self.params = init_direct_hdp(
            jax.random.key(int(seed)), self.state_dim, self.action_dim, config
        )
        self.j_prev = 0.0
        self._a_norm = np.zeros(self.action_dim)

    # -- the networks ---------------------------------------------------------------------
    def actor(self, state) -> np.ndarray:
        """The actor's normalised action ``a(state)`` in ``[-1, 1]``."""
        state = self.check_state(state).astype(self.params.actor_in.dtype)
        return np.asarray(actor_action(self.params, state)[0], np.float64)

    def critic(self, state, action) -> float:
        """The critic's value ``J(state, action)`` of a normalised action."""
        state = self.check_state(state).astype(self.params.critic_in.dtype)
        action = self.check_action(action).astype(self.params.critic_in.dtype)
        return float(critic_value(self.params, state, action)[0])

    def command(self, a_norm) -> np.ndarray:
        """The action sent to the policy for the actor's output ``a_norm``."""
        a = np.where(a_norm >= 0, 1.0, -1.0) if self.bang_bang else a_norm
        return self.policy.bound(self.action_scale * a)

    # -- the loop -------------------------------------------------------------------------
    def init_episode(self, s_signal) -> None:
        """At a start: the actor's action there, and the critic's value of it."""
        state = self.check_state(self.plant.state_input(s_signal))
        self._a_norm = self.actor(state)
        self.j_prev = self.critic(state, self._a_norm)
        self.a_curr = self.command(self._a_norm)
        self.policy.update(self.a_curr)

    def _step(self, s_curr, s_next, a_curr, reward):
        state = self.check_state(self.plant.state_input(s_curr))
        next_state = self.check_state(self.plant.state_input(s_next))
        dtype = self.params.critic_in.dtype
        params, j_next, info = _update(
            self.params,
            state.astype(dtype),
            self._a_norm.astype(dtype),
            np.asarray(self.j_prev, dtype),
            np.asarray(reward, dtype),
            next_state.astype(dtype),
            bool(self.terminal),
            self.num_step,
            self.config,
        )
        self.params = params
        if self.terminal:
            a_next = a_curr
        else:
            self._a_norm = self.actor(next_state)
            a_next = self.command(self._a_norm)
        self.j_prev = float(j_next)
        a_next = self._next_action_hook(a_next)
        self._pre_increment_hook(
            s_next=s_next,
            reward=reward,
            j=self.j_prev,
            critic_error=float(info["critic_error"]),
            critic_cycles=int(info["critic_cycles"]),
            actor_cycles=int(info["actor_cycles"]),
            action=a_curr,
            a_next=a_next,
        )
        return a_next

    # -- saved files ----------------------------------------------------------------------
    def save(self, folder) -> None:
        """Write the agent to ``folder`` (created): ``direct_hdp.json`` (settings and
        counters) and ``direct_hdp.npz`` (weights, current action, value), each
        atomically. Plant, policy and collector are the caller's."""
        folder = os.fspath(folder)
        os.makedirs(folder, exist_ok=True)
        s_curr = None if self.s_curr is None else {k: float(v) for k, v in self.s_curr.items()}
        header = make_header(
            FORMAT,
            FORMAT_VERSION,
            config=self.config._asdict(),
            action_scale=self.action_scale,
            bang_bang=self.bang_bang,
            episode=self.episode,
            num_step=self.num_step,
            done=self.done,
            terminal=self.terminal,
            s_curr=s_curr,
        )
        arrays = {k: np.asarray(v) for k, v in self.params._asdict().items()}
        a_curr = np.zeros(self.action_dim) if self.a_curr is None else self.a_curr
        arrays.update(
            a_curr=np.asarray(a_curr, np.float64),
            a_norm=np.asarray(self._a_norm, np.float64),
            j_prev=np.asarray([self.j_prev], np.float64),
        )
        write_npz(os.path.join(folder, "direct_hdp.npz"), arrays, header)
        write_json(os.path.join(folder, "direct_hdp.json"), header)

    @staticmethod
    def load(folder, plant, policy, collector=None) -> DirectHDP:
        """The agent saved in ``folder`` by :meth:`save`, on ``plant`` and ``policy``;
        it continues exactly where the saved one was. A corrupt or foreign file raises
        ``ValueError`` naming it.

        >>> import tempfile
        >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
        >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
        >>> env = CartPoleADP({'seed': 0})
        >>> agent = DirectHDP(CartPoleBalance(), ChannelPolicy(env.m_channels), action_scale=10.0)
        >>> agent.new_episode(env.reset()); _ = agent(env)
        >>> folder = tempfile.mkdtemp(); agent.save(folder)
        >>> back = DirectHDP.load(folder, CartPoleBalance(), ChannelPolicy(env.m_channels))
        >>> back.num_step, back.critic(np.ones(4), [0.5]) == agent.critic(np.ones(4), [0.5])
        (1, True)
        """
        folder = os.fspath(folder)
        path = os.path.join(folder, "direct_hdp.json")
        h = read_json(path, FORMAT, FORMAT_VERSION, _KEYS)
        try:
            config = DirectHDPConfig(**h["config"])
            agent = DirectHDP(
                plant,
                policy,
                config,
                action_scale=h["action_scale"],
                bang_bang=h["bang_bang"],
                collector=collector,
            )
            episode, num_step = h["episode"], h["num_step"]
            if not (is_int(episode) and is_int(num_step) and episode >= 0 and num_step >= 0):
                raise ValueError(f"episode {episode!r} and num_step {num_step!r} must be ints >= 0")
            if not (isinstance(h["done"], bool) and isinstance(h["terminal"], bool)):
                raise ValueError("done and terminal must be booleans")
            s_curr = check_saved_signal(h["s_curr"])
        except (TypeError, KeyError, ValueError, OverflowError) as err:
            raise ValueError(f"{path}: not a valid saved DirectHDP ({err})") from None
        npz = os.path.join(folder, "direct_hdp.npz")
        arrays, _ = read_npz(npz, FORMAT, FORMAT_VERSION)
        dtype = str(agent.params.critic_in.dtype)
        expected = {k: (np.shape(v), dtype) for k, v in agent.params._asdict().items()}
        m = (agent.action_dim,)
        expected.update(a_curr=(m, "float64"), a_norm=(m, "float64"), j_prev=((1,), "float64"))
        values = check_arrays(npz, arrays, expected, finite=True)
        agent.params = DirectHDPParams(*(jax.numpy.asarray(v) for v in values[:4]))
        agent.a_curr, agent._a_norm = values[4].copy(), values[5].copy()
        agent.j_prev = float(values[6][0])
        agent.episode, agent.num_step = int(episode), int(num_step)
        agent.done, agent.terminal = h["done"], h["terminal"]
        agent.s_curr = s_curr
        if agent.episode:
            policy.update(agent.a_curr)
        return agent


__all__ = ["DirectHDP"]
