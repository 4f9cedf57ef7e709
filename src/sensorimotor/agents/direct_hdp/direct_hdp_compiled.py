"""Whole runs of :mod:`~sensorimotor.agents.direct_hdp.direct_hdp` on a JAX environment, compiled:
trial after trial until one lasts long enough, one ``jax.lax.while_loop`` over the steps,
``jax.vmap`` over seeds."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

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
from sensorimotor.base.bounds import check_flag, check_seed_range, is_int
from sensorimotor.base.devices import vmap_over_devices


class DirectHDPRun(NamedTuple):
    """What :func:`direct_hdp_trials` returns for a run: ``trials`` needed (the number of
    the trial that balanced ``balanced_steps`` steps, 0 if none did within the limit),
    ``lengths`` ``(max_trials,)`` (each trial's steps, 0 after the last), the total
    ``steps``, the ``restarts`` (see ``stuck_trials``) and the learnt ``params``.

    Its shapes, without running:

    >>> import jax
    >>> from sensorimotor.envs import CartPoleADPJax
    >>> run = jax.eval_shape(lambda key: direct_hdp_trials(key, CartPoleADPJax(), max_trials=5),
    ...                      jax.random.key(0))
    >>> print(run.trials.shape, run.lengths.shape, run.params.critic_in.shape)
    () (5,) (6, 5)
    """

    trials: jax.Array
    lengths: jax.Array
    steps: jax.Array
    restarts: jax.Array
    params: DirectHDPParams


class _Carry(NamedTuple):
    params: DirectHDPParams
    env_state: object
    obs: jax.Array
    action: jax.Array
    j_prev: jax.Array
    step: jax.Array
    trial: jax.Array
    lengths: jax.Array
    steps: jax.Array
    success: jax.Array
    restarts: jax.Array
    key: jax.Array


def direct_hdp_trials(
    key,
    env,
    env_params=None,
    config: DirectHDPConfig = DEFAULT_DIRECT_HDP,
    state_scales=None,
    max_trials: int = 100,
    balanced_steps: int = 6000,
    bang_bang: bool = False,
    stuck_trials: int = 0,
) -> DirectHDPRun:
    r"""One run of Si and Wang's learning control on the ``JaxEnv`` ``env`` (a failure
    terminates a trial; the weights carry over to the next, which starts from
    ``env.reset_env``): at each step the actor's action :math:`a(s / \text{scales})` goes
    to the plant as is (a box ``[-1, 1]``), then :func:`direct_hdp_update` learns. A run
    stops at the first trial that lasts ``balanced_steps`` steps, or after ``max_trials``
    trials. ``state_scales`` divide the observation (default 1); ``env_params``' own step
    limit must not end a trial first. ``bang_bang``: the plant gets the sign of the
    action (+-1, the binary control of Si and Wang's group's program) while the critic
    sees the actor's output. ``stuck_trials`` = k > 0: when the last k trials all failed
    and each lasted within 5 steps of the one before, the weights are drawn afresh (their
    program does this with k = 6: such runs sit where learning does not move them); the
    run's ``restarts`` count them. Pure JAX: ``jax.jit`` it, ``jax.vmap`` it over keys.

    >>> import jax
    >>> from sensorimotor.envs import CartPoleADPJax
    >>> run = direct_hdp_trials(jax.random.key(0), CartPoleADPJax(), max_trials=3,
    ...                         balanced_steps=50)
    >>> int(run.lengths.shape[0]), bool(run.steps == run.lengths.sum())
    (3, True)
    """
    check_direct_hdp_config(config)
    for name, value in (("max_trials", max_trials), ("balanced_steps", balanced_steps)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not is_int(stuck_trials) or stuck_trials < 0:
        raise ValueError(f"stuck_trials must be a non-negative int, got {stuck_trials!r}")
    check_flag("bang_bang", bang_bang)
    try:
        given = None if state_scales is None else np.asarray(state_scales, dtype=np.float64)
    except jax.errors.TracerArrayConversionError:  # traced by the caller: not known here
        given = None
    # they divide the observation: 0 or NaN made every state inf or NaN, silently
    if given is not None and not np.all(np.isfinite(given) & (given > 0)):
        raise ValueError(f"state_scales must be positive finite numbers, got {given.tolist()}")
    env_params = env.default_params if env_params is None else env_params
    k_init, k_reset, key = jax.random.split(key, 3)
    obs, env_state = env.reset_env(k_reset, env_params)
    scales = jnp.ones_like(obs) if state_scales is None else jnp.asarray(state_scales, obs.dtype)
    if scales.shape != obs.shape:
        raise ValueError(f"state_scales must have shape {obs.shape}, got {scales.shape}")
    params = init_direct_hdp(k_init, obs.shape[0], 1, config)

    def begin(params, obs):  # the action and value at a trial's start
        a = actor_action(params, obs / scales)[0]
        return a, critic_value(params, obs / scales, a)[0]

    start = _Carry(
        params,
        env_state,
        obs,
        *begin(params, obs),
        jnp.zeros((), jnp.int32),
        jnp.zeros((), jnp.int32),
        jnp.zeros(max_trials, jnp.int32),
        jnp.zeros((), jnp.int32),
        jnp.zeros((), bool),
        jnp.zeros((), jnp.int32),
        key,
    )

    def running(c: _Carry):
        return ~c.success & (c.trial < max_trials)

    def body(c: _Carry) -> _Carry:
        key, k_step, k_reset, k_new = jax.random.split(c.key, 4)
        s = c.obs / scales
        command = jnp.where(c.action >= 0, 1.0, -1.0) if bang_bang else c.action
        obs, env_state, reward, failed, _, _ = env.step_env(
            k_step, c.env_state, command, env_params
        )
        params, j_next, _ = direct_hdp_update(
            c.params, s, c.action, c.j_prev, reward, obs / scales, failed, c.step, config
        )
        length = c.step + 1
        fresh_obs, fresh_state = env.reset_env(k_reset, env_params)
        obs = jnp.where(failed, fresh_obs, obs)
        env_state = jax.tree.map(lambda a, b: jnp.where(failed, a, b), fresh_state, env_state)
        lengths = c.lengths.at[c.trial].set(
            jnp.where(failed | (length >= balanced_steps), length, c.lengths[c.trial])
        )
        if stuck_trials:
            # Si and Wang's group restart a run whose last trials all failed within a few
            # steps of each other: the weights sit in a basin learning does not leave.
            idx = c.trial - jnp.arange(stuck_trials)
            recent = jnp.where(idx >= 0, lengths[jnp.clip(idx, 0, max_trials - 1)], -1000)
            stuck = failed & (c.trial + 1 >= stuck_trials) & jnp.all(jnp.abs(jnp.diff(recent)) <= 5)
            fresh = init_direct_hdp(k_new, obs.shape[0], 1, config)
            params = jax.tree.map(lambda a, b: jnp.where(stuck, a, b), fresh, params)
        else:
            stuck = jnp.zeros((), bool)
        a_start, j_start = begin(params, obs)
        success = ~failed & (length >= balanced_steps)
        ended = failed | success
        return _Carry(
            params,
            env_state,
            obs,
            jnp.where(failed, a_start, actor_action(params, obs / scales)[0]),
            jnp.where(failed, j_start, j_next),
            jnp.where(ended, 0, length),
            c.trial + ended,
            lengths,
            c.steps + 1,
            success,
            c.restarts + stuck,
            key,
        )

    end = jax.lax.while_loop(running, body, start)
    trials = jnp.where(end.success, end.trial, 0)
    return DirectHDPRun(trials, end.lengths, end.steps, end.restarts, end.params)


def direct_hdp_batch(
    seeds,
    env,
    env_params=None,
    config: DirectHDPConfig = DEFAULT_DIRECT_HDP,
    state_scales=None,
    max_trials: int = 100,
    balanced_steps: int = 6000,
    bang_bang: bool = False,
    stuck_trials: int = 0,
) -> DirectHDPRun:
    """:func:`direct_hdp_trials` for each seed in ``seeds`` (the key
    ``jax.random.key(seed)``), vectorised and compiled once: every field gains a leading
    axis of ``len(seeds)``. The seeds are split across the local devices
    (:func:`~sensorimotor.base.devices.vmap_over_devices`; a program that asked for a CPU
    device per core runs them on every core); a seed's run is the same whatever the batch
    or the device count (its arithmetic is elementwise and on small vectors: 50 seeds
    gave the same trials on 1 and 2 devices).

    >>> import numpy as np
    >>> from sensorimotor.envs import CartPoleADPJax
    >>> runs = direct_hdp_batch([0, 1, 0], CartPoleADPJax(), max_trials=3, balanced_steps=40,
    ...                         bang_bang=True, stuck_trials=2)
    >>> runs.lengths.shape  # 3 seeds, 3 trials at most
    (3, 3)
    >>> bool(np.array_equal(runs.lengths[0], runs.lengths[2]))  # seed 0 twice: the same run
    True
    """
    seeds = [check_seed_range("seeds", seed) for seed in seeds]
    # uint32: a seed past 2**31 - 1 overflowed int32 (a key of the same bits either way)
    keys = jax.vmap(jax.random.key)(jnp.asarray(seeds, dtype=jnp.uint32))

    def one(key):
        return direct_hdp_trials(
            key,
            env,
            env_params,
            config,
            state_scales,
            max_trials,
            balanced_steps,
            bang_bang,
            stuck_trials,
        )

    return vmap_over_devices(one)(keys)


__all__ = ["DirectHDPRun", "direct_hdp_trials", "direct_hdp_batch"]
