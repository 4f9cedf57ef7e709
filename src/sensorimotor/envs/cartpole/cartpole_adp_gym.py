"""Si and Wang's cart-pole as a Gymnasium environment (``sensorimotor/CartPoleADP-v0``)."""

import gymnasium
import numpy as np

from sensorimotor.envs.action_checks import check_box_action
from sensorimotor.envs.cartpole.cartpole_adp import CartPoleADP


class CartPoleADPEnv(gymnasium.Env):
    """``CartPoleADP`` as a Gymnasium environment: continuous force, reward -1 at failure.

    ==============  ================================================================
    space / value   meaning
    ==============  ================================================================
    observation     ``(x, x_dot, theta, theta_dot)`` after the step, float32;
                    Gymnasium cart-pole's box (twice the failure thresholds)
    action          ``a`` in ``[-1, 1]``, shape ``(1,)``: the force ``max_force * a``
                    N (10 N by default; outside the box clipped)
    reward          -1 at the failing step, else 0
    terminated      ``|x| > 2.4`` m or ``|theta| > 12`` degrees
    truncated       never by itself; ``gymnasium.make`` adds a 6000-step limit (Si
                    and Wang's success: balanced for 6000 steps)
    info (step)     ``{'force': the commanded force in N}``
    ==============  ================================================================

    The start is drawn from ``np_random`` (each variable uniform in ``+-init_range``), so
    ``reset(seed=s)`` repeats an episode for the same actions. The plant, its friction
    and its actuator noise are ``CartPoleADP``'s (keyword arguments ``actuator_noise``,
    ``cart_friction``, ``pole_friction``, ``init_range``, ``max_force``); the noise is
    drawn from ``np_random`` too. A bad action (NaN, wrong shape, not a number) raises an
    error naming ``action`` and leaves the episode as it was.

    >>> env = CartPoleADPEnv()
    >>> obs, info = env.reset(seed=0)
    >>> steps = 0
    >>> while True:  # always full force right: the pole falls left
    ...     obs, reward, terminated, truncated, info = env.step(np.ones(1, np.float32))
    ...     steps += 1
    ...     if terminated:
    ...         break
    >>> steps, reward, bool(obs[2] < 0)
    (8, -1.0, True)
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        actuator_noise: float = 0.0,
        cart_friction: float = 0.0005,
        pole_friction: float = 0.000002,
        init_range: float = 0.05,
        max_force: float = 10.0,
        render_mode: str | None = None,
    ):
        if render_mode is not None:
            raise ValueError(f"CartPoleADPEnv has no render modes, got {render_mode!r}")
        self.render_mode = None
        self.plant = CartPoleADP(
            {
                "actuator_noise": actuator_noise,
                "cart_friction": cart_friction,
                "pole_friction": pole_friction,
                "init_range": init_range,
                "max_force": max_force,
            }
        )
        p = self.plant.params
        high = np.array(
            [
                2 * p.x_threshold,
                np.finfo(np.float32).max,
                2 * p.theta_threshold,
                np.finfo(np.float32).max,
            ],
            np.float32,
        )
        self.observation_space = gymnasium.spaces.Box(-high, high, dtype=np.float32)
        self.action_space = gymnasium.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.plant.rng = self.np_random  # the start and the noise follow Gymnasium's seeding
        self.plant.reset()
        self._started = True
        return np.array(self.plant.state, np.float32), {}

    def step(self, action):
        if not self._started:
            raise RuntimeError("CartPoleADPEnv: call reset() before step()")
        a = check_box_action(action, self.action_space)
        if self.plant.failed:
            raise RuntimeError("CartPoleADPEnv: the episode has terminated; call reset()")
        force = self.plant.max_force * float(a[0])  # within +-max_force: a is clipped
        s = self.plant.advance(force)
        return s[:4].astype(np.float32), float(s[4]), self.plant.failed, False, {"force": force}

    def close(self):
        self.plant.close()
        super().close()
