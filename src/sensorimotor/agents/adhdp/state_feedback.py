"""ADHDP with an actor that reads the state (what HDPy left unfinished)."""

from __future__ import annotations

import numpy as np

from sensorimotor.agents.adhdp.adhdp import ADHDP
from sensorimotor.base.bounds import NON_NEGATIVE, check_value, is_int


class StateFeedbackADHDP(ADHDP):
    r""":class:`ADHDP` with a state-feedback actor: a second readout maps the plant's state
    to the (normalised) action, and learns from the critic's gradient, as Si and Wang's
    (2001) action network does.

    .. math::
        \bar a = o + c\, \mathrm{actor}(s_{t+1}), \qquad
        a^* = \bar a + \alpha\, \frac{\partial J(s_{t+1}, a)}{\partial a}\Big|_{\bar a},
        \qquad a_{t+1} = m\, \bar a + (1 - m)\, a^* + c\, \sigma\, \xi

    with :math:`\xi` standard normal exploration (``exploration`` = :math:`\sigma`, 0 by
    default, from the generator of ``seed``). After the critic has learnt its TD error,
    the actor learns the improved action as its target, ``actor.train(s_{t+1}, target=(
    clip(m \bar a + (1 - m) a^*) - o) / c)``: a readout trained by RLS or LMS on the target
    :math:`a + \alpha\, \partial J / \partial a` follows the critic's gradient. ``actor``:
    a readout (``PlainRLS``, ``StabilizedRLS``, ``LMSReadout``) with ``input_dim`` the
    state's and ``output_dim`` the action's dimension.

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import LMSReadout, PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = StateFeedbackADHDP(ReservoirNode(5, 20, seed=0), PlainRLS(25, 1),
    ...     LMSReadout(4, 1, step_size=0.1), CartPoleBalance(), ChannelPolicy(env.m_channels),
    ...     gamma=0.95, alpha=5.0, action_scale=10.0)
    >>> agent.new_episode(env.reset())
    >>> for _ in range(20):
    ...     _ = agent(env)
    >>> print(agent.actor.count)
    19
    """

    def __init__(
        self, reservoir, readout, actor, plant, policy, *args, exploration=0.0, seed=None, **kw
    ):
        super().__init__(reservoir, readout, plant, policy, *args, **kw)
        if actor.input_dim != self.state_dim or actor.output_dim != self.action_dim:
            raise ValueError(
                f"actor must map the state ({self.state_dim}) to the action "
                f"({self.action_dim}), got {actor.input_dim} -> {actor.output_dim}"
            )
        self.actor = actor
        self.exploration = float(
            check_value("StateFeedbackADHDP", "exploration", exploration, NON_NEGATIVE)
        )
        if seed is not None and (not is_int(seed) or seed < 0):  # NumPy's message named none
            raise ValueError(f"seed must be None or an int >= 0, got {seed!r}")
        self.rng = np.random.default_rng(seed)
        self._target = None

    def actor_action(self, state) -> np.ndarray:
        """The actor's action for ``state``, bounded by the policy."""
        state = self.check_state(state)
        return self.policy.bound(self.action_offset + self.action_scale * self.actor(state))

    def _propose(self, state, a_curr):
        a_bar = self.actor_action(state)
        grad = self.action_gradient(state, a_bar)
        a_prop = a_bar + self.alpha(self.episode, self.num_step) * grad
        a = self.policy.bound(self.momentum(a_bar, a_prop, self.episode, self.num_step))
        self._target = (a - self.action_offset) / self.action_scale
        if self.exploration > 0.0:
            a = a + self.action_scale * self.exploration * self.rng.standard_normal(a.shape)
        return a, grad

    def _step(self, s_curr, s_next, a_curr, reward):
        if self.exploration == 0.0:  # no draw to take back
            return super()._step(s_curr, s_next, a_curr, reward)
        rng_state = self.rng.bit_generator.state
        try:
            return super()._step(s_curr, s_next, a_curr, reward)
        except BaseException:  # the exploration was drawn before the action was refused
            self.rng.bit_generator.state = rng_state
            raise

    def _after_training(self, state, a_curr, a_next, grad):
        self.actor.train(state, target=self._target)
        return a_next, grad

    def _settings(self) -> dict:
        return dict(exploration=self.exploration)

    SAVED_READOUTS = ("actor",)

    @classmethod
    def _saved_args(cls, reservoir, readout, readouts, plant, policy, extra):
        return [reservoir, readout, readouts["actor"], plant, policy], extra


__all__ = ["StateFeedbackADHDP"]
