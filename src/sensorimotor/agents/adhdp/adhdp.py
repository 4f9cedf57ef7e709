"""HDPy's ``ADHDP``: action-dependent heuristic dynamic programming with an echo state
network critic."""

from __future__ import annotations

import numpy as np

from sensorimotor.agents.adhdp.actor_critic import HDPY_NAMES, ActorCritic
from sensorimotor.agents.adhdp.adhdp_io import SavedADHDP
from sensorimotor.base.names import renamed_keywords
from sensorimotor.nets.reservoir import check_input


def _per_action(name: str, value, shape: tuple):
    """``value`` (a number, or one per action dimension) broadcast to ``shape``; a
    ``ValueError`` naming ``name`` where NumPy's broadcasting error names neither."""
    try:
        return np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(
            f"{name} must be a number or one per action dimension, shape {shape}, "
            f"got shape {np.shape(value)}"
        ) from None


class ADHDP(ActorCritic, SavedADHDP):
    r"""Action-dependent heuristic dynamic programming (Prokhorov and Wunsch 1997; Si and
    Wang 2001) with a reservoir critic (HDPy's ``ADHDP``, Koprinkova-Hristova et al.'s
    ESN-ACD).

    The critic reads the reservoir state and its input (HDPy's input/output model):

    .. math::
        u_t = \big[s_t;\ (a_t - o) / c\big], \qquad
        x_{t+1} = (1 - \lambda) x_t + \lambda \tanh(W x_t + W_{in} u_t + b), \qquad
        J(s_t, a_t) = \beta^\top [x_{t+1}; u_t; 1]

    with :math:`s` the plant's state, :math:`o`, :math:`c` the action's offset and scale
    (``action_offset``, ``action_scale``) and :math:`\beta` the ``readout``'s weights.
    After each control period, with :math:`s_{t+1}` and :math:`r_{t+1}` observed:

    .. math::
        a^* = a_t + \alpha\, \frac{\partial J(s_{t+1}, a)}{\partial a}\Big|_{a = a_t},
        \qquad a_{t+1} = m\, a_t + (1 - m)\, a^*

    .. math::
        \delta_t = r_{t+1} + \gamma J(s_{t+1}, a_{t+1}) - J(s_t, a_t)
        \quad (\delta_t = r_{t+1} - J(s_t, a_t) \text{ at a terminal } s_{t+1})

    and the readout learns :math:`\delta_t` as the error of :math:`J(s_t, a_t)`
    (``readout.train(z_t, error=delta)``, RLS, as HDPy did; a readout with ``train_td``,
    :class:`~sensorimotor.nets.td_readout.TDReadout`, gets the successor's input too and
    learns by RLS-TD, which plain RLS on moving TD targets is not). The gradient follows the chain rule
    through the reservoir step, its leak included, and through the normalisation:

    .. math::
        \frac{\partial J}{\partial a} = \frac{1}{c} \Big[
        \Big(\lambda\, \mathrm{diag}(1 - \tanh^2(\cdot))\, W_{in}\Big)^\top \beta_x
        + \beta_u \Big]_{\text{action rows}}

    taken at the state :math:`s_{t+1}` the next action is for, from the reservoir state
    :math:`x_{t+1}` it will be applied in. Where HDPy differs: it took the gradient of
    :math:`J(s_t, a_t)`, at the previous state (and the reservoir state before it),
    multiplied it by the normalisation's scale instead of dividing, and bootstrapped
    :math:`\gamma J(s_{t+1}, a_{t+1})` also through a crash. These are corrected here, not
    offered as options.

    ``reservoir``: a :class:`~sensorimotor.nets.reservoir.ReservoirNode` with
    ``input_dim = state_dim + action_dim``, reset at each episode; ``readout``: a
    readout (``PlainRLS``, ``StabilizedRLS``) with ``input_dim = reservoir.output_dim +
    reservoir.input_dim`` and one output. A frozen critic: ``readout.stop_training()``.
    The subclasses change how the next action is proposed (:meth:`_propose`).

    A NaN or a wrong-shaped state (from the plant) or action (from the policy or a hook),
    or a reward that is not a finite number, raises an error naming ``state``, ``action``
    or ``reward``, with the critic unchanged.

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> reservoir = ReservoirNode(5, 20, spectral_radius=0.5, leak_rate=0.5, seed=0)
    >>> critic = ADHDP(reservoir, PlainRLS(25, 1), CartPoleBalance(),
    ...                ChannelPolicy(env.m_channels), gamma=0.95, alpha=5.0, action_scale=10.0)
    >>> critic.new_episode(env.reset())
    >>> while not critic.done:
    ...     _ = critic(env)
    >>> print(critic.num_step, critic.readout.count)  # steps, critic updates
    43 42
    """

    @renamed_keywords("ADHDP", "HDPy", HDPY_NAMES)
    def __init__(
        self,
        reservoir,
        readout,
        plant,
        policy,
        gamma=1.0,
        alpha=1.0,
        init_steps: int = 1,
        momentum=0.0,
        *,
        action_offset=0.0,
        action_scale=1.0,
        collector=None,
    ):
        super().__init__(plant, policy, gamma, alpha, init_steps, momentum, collector)
        d_in = self.state_dim + self.action_dim
        if reservoir.input_dim != d_in:
            raise ValueError(
                f"reservoir.input_dim is {reservoir.input_dim}, expected state_dim + "
                f"action_dim = {self.state_dim} + {self.action_dim}"
            )
        n = reservoir.output_dim
        if readout.input_dim != n + d_in or readout.output_dim != 1:
            raise ValueError(
                f"readout must map reservoir.output_dim + input_dim = {n + d_in} inputs to 1 "
                f"output, got {readout.input_dim} -> {readout.output_dim}"
            )
        self.reservoir, self.readout = reservoir, readout
        shape = (self.action_dim,)
        self.action_offset = check_input(
            "action_offset", _per_action("action_offset", action_offset, shape), shape, np.float64
        ).copy()
        scale = _per_action("action_scale", action_scale, shape)
        scale = check_input("action_scale", scale, shape)
        if np.any(scale <= 0):
            raise ValueError(f"action_scale must be positive, got {scale}")
        self.action_scale = scale.astype(np.float64)
        self._z = np.zeros(readout.input_dim)
        self.j_curr = 0.0

    # -- the critic -----------------------------------------------------------------------
    def critic_input(self, state, action) -> np.ndarray:
        """The reservoir's input :math:`[s; (a - o)/c]` (checked), shape ``(input_dim,)``."""
        state, action = self.check_state(state), self.check_action(action)
        return np.concatenate((state, (action - self.action_offset) / self.action_scale))

    def _evaluate(self, u):
        """``(x_next, z, J)`` for the input ``u`` from the committed reservoir state."""
        x = self.reservoir.execute(u, simulate=True)
        z = np.concatenate((x, u))
        return x, z, float(self.readout(z)[0])

    def critic(self, state, action) -> float:
        """:math:`J(s, a)` from the current reservoir state, without advancing it."""
        return self._evaluate(self.critic_input(state, action))[2]

    def action_gradient(self, state, action) -> np.ndarray:
        r""":math:`\partial J(s, a) / \partial a` from the current reservoir state (the
        chain rule of the class docstring), shape ``(action_dim,)``."""
        u = self.critic_input(state, action)
        n, d = self.reservoir.output_dim, self.reservoir.input_dim
        beta = self.readout.beta[:, 0]
        g_u = self.reservoir.input_jacobian(u).T @ beta[:n] + beta[n : n + d]
        return g_u[self.state_dim :] / self.action_scale

    # -- the loop -------------------------------------------------------------------------
    def _new_episode_hook(self) -> None:
        self.reservoir.reset()

    def init_episode(self, s_signal) -> None:
        """Observe the start: drive the reservoir with the state and the action to be
        applied there (the critic learns from the next step on)."""
        u = self.critic_input(self.plant.state_input(s_signal), self.a_curr)
        x, z, j = self._evaluate(u)
        self.reservoir.set_state(x)
        self._z, self.j_curr = z, j

    def _propose(self, state, a_curr):
        """The proposed next action and the gradient it used (``(a, dJ/da)``): one step of
        gradient ascent on the critic from ``a_curr`` at ``state``, with momentum."""
        grad = self.action_gradient(state, a_curr)
        a_prop = a_curr + self.alpha(self.episode, self.num_step) * grad
        return self.momentum(a_curr, a_prop, self.episode, self.num_step), grad

    def _after_training(self, state, a_curr, a_next, grad):
        """After the critic learnt: the next action and gradient to apply (default: kept)."""
        return a_next, grad

    def _step(self, s_curr, s_next, a_curr, reward):
        state = self.check_state(self.plant.state_input(s_next))
        a_curr = self.check_action(a_curr)
        z_curr = self._z
        j_curr = float(self.readout(z_curr)[0])
        gamma = self.gamma(self.episode, self.num_step)
        if self.terminal:  # nothing is bootstrapped past a terminal state
            a_next, grad = a_curr, np.zeros(self.action_dim)
            x_next, z_next, j_next = None, None, 0.0
            td_error = reward - j_curr
        else:
            a_next, grad = self._propose(state, a_curr)
            a_next = self.check_action(self._next_action_hook(self.policy.bound(a_next)))
            x_next, z_next, j_next = self._evaluate(self.critic_input(state, a_next))
            td_error = reward + gamma * j_next - j_curr
        # a subclass's step after training (a recomputed action, an actor's update) may still
        # be refused: the readout is then put back. Its attributes suffice: training
        # replaces its arrays, never writes into them (as its own batch rollback relies on)
        after = not self.terminal and type(self)._after_training is not ADHDP._after_training
        saved = dict(vars(self.readout)) if after else None
        # the first change: it may refuse (overflow), and then nothing is done
        if hasattr(self.readout, "train_td"):  # RLS-TD: the gain knows the successor
            self.readout.train_td(z_curr, z_next, gamma, td_error)
        else:
            self.readout.train(z_curr, error=td_error)
        if not self.terminal:
            try:
                b_next, grad = self._after_training(state, a_curr, a_next, grad)
                if b_next is not a_next:
                    a_next = self.check_action(self._next_action_hook(self.policy.bound(b_next)))
                    x_next, z_next, j_next = self._evaluate(self.critic_input(state, a_next))
            except BaseException:
                if saved is not None:
                    vars(self.readout).clear()
                    vars(self.readout).update(saved)
                raise
            self.reservoir.set_state(x_next)
            self._z = z_next
        self.j_curr = j_next
        self._pre_increment_hook(
            s_next=s_next,
            reward=reward,
            j_curr=j_curr,
            j_next=j_next,
            td_error=td_error,
            action=a_curr,
            a_next=a_next,
            gradient=grad,
        )
        return a_next


__all__ = ["ADHDP"]
