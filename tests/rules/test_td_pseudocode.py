"""TIDBD and AutoTIDBD against transcriptions of Kearney et al.'s algorithm boxes.

Each reference below is the paper's per-element loop written out literally (one
``for i`` over the weights, the lines in the printed order), run side by side with the
vectorised rule on a small continuing chain with a constant discount (where the rules'
trace convention and the paper's coincide). TIDBD: Kearney, Veeriah, Travnik, Sutton &
Pilarski (2018), arXiv:1804.03334, Algorithm 1 (semi-gradient), and the full-gradient
form of arXiv:1903.03252; AutoTIDBD: arXiv:1903.03252, Algorithm 6.
"""

import math

import numpy as np
import pytest

from sensorimotor.continual import TDIDBD, AutoTDIDBD

GAMMA, LAMBDA = 0.9, 0.7


def _ring(num_steps, seed=0, num_states=5, num_noise=2):
    """Transitions ``(x, reward, x_next)`` of a random walk on a ring of ``num_states``.

    Features: one-hot state, a constant 1, and ``num_noise`` irrelevant noise features
    (so some meta-gradients have mixed signs). Reward 1 on entering state 0.
    """
    rng = np.random.default_rng(seed)
    s = 0

    def feats(state):
        return np.concatenate([np.eye(num_states)[state], [1.0], rng.normal(size=num_noise)])

    x = feats(s)
    out = []
    for _ in range(num_steps):
        s = (s + rng.choice((-1, 1))) % num_states
        x_next = feats(s)
        out.append((x, float(s == 0), x_next))
        x = x_next
    return out


def _tidbd_reference(transitions, alpha0, theta, semi_gradient):
    """TIDBD(lambda), the printed per-element loop (accumulating traces)."""
    n = len(transitions[0][0])
    w, h, z = np.zeros(n), np.zeros(n), np.zeros(n)
    beta = np.full(n, math.log(alpha0))
    for x, r, xn in transitions:
        delta = r + GAMMA * w @ xn - w @ x
        for i in range(n):
            if semi_gradient:
                beta[i] = beta[i] + theta * delta * x[i] * h[i]
            else:
                beta[i] = beta[i] - theta * delta * (GAMMA * xn[i] - x[i]) * h[i]
            alpha = math.exp(beta[i])
            z[i] = z[i] * GAMMA * LAMBDA + x[i]
            w[i] = w[i] + alpha * delta * z[i]
            if semi_gradient:
                decay = 1.0 - alpha * x[i] * z[i]
            else:
                decay = 1.0 + alpha * (GAMMA * xn[i] - x[i]) * z[i]
            h[i] = h[i] * max(decay, 0.0) + alpha * delta * z[i]
    return w, np.exp(beta)


def _auto_tidbd_reference(transitions, alpha0, theta, tau):
    """AutoTIDBD, Algorithm 6 of arXiv:1903.03252, line by line."""
    n = len(transitions[0][0])
    w, h, z, eta = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    beta = np.full(n, math.log(alpha0))
    alpha = np.exp(beta)
    for x, r, xn in transitions:
        delta = r + GAMMA * w @ xn - w @ x  # line 3
        for i in range(n):  # lines 5-9
            diff = GAMMA * xn[i] - x[i]
            eta[i] = max(
                abs(delta * diff * h[i]),
                eta[i] - (1 / tau) * alpha[i] * diff * z[i] * (abs(delta * x[i] * h[i]) - eta[i]),
            )
            if eta[i] != 0:
                beta[i] = beta[i] - theta * (1 / eta[i]) * delta * diff * h[i]
        m = max(-sum(math.exp(beta[i]) * (GAMMA * xn[i] - x[i]) * z[i] for i in range(n)), 1.0)
        for i in range(n):  # lines 11-15
            diff = GAMMA * xn[i] - x[i]
            beta[i] = beta[i] - math.log(m)
            alpha[i] = math.exp(beta[i])
            z[i] = z[i] * GAMMA * LAMBDA + x[i]
            w[i] = w[i] + alpha[i] * delta * z[i]
            h[i] = h[i] * max(1 + alpha[i] * diff * z[i], 0.0) + alpha[i] * delta * z[i]
    return w, alpha


def _run_rule(rule, transitions):
    state = rule.init(len(transitions[0][0]))
    w = np.zeros(len(transitions[0][0]))
    for x, r, xn in transitions:
        delta = r + GAMMA * w @ xn - w @ x
        state, inc = rule.update_from_td_error(state, x, xn, delta, GAMMA)
        w = w + inc
    return w, np.asarray(rule.step_sizes(state))


@pytest.mark.parametrize("semi_gradient", [True, False], ids=["semi", "full"])
def test_tidbd_equals_the_printed_algorithm(semi_gradient):
    transitions = _ring(400)
    rule = TDIDBD(0.05, 0.05, trace_decay=LAMBDA, semi_gradient=semi_gradient)
    w, alpha = _run_rule(rule, transitions)
    w_ref, alpha_ref = _tidbd_reference(transitions, 0.05, 0.05, semi_gradient)
    assert np.max(np.abs(alpha_ref - 0.05)) > 1e-3  # the step sizes did adapt
    np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(alpha, alpha_ref, rtol=1e-9)


def test_auto_tidbd_equals_algorithm_6():
    transitions = _ring(400, seed=1)
    rule = AutoTDIDBD(0.3, 0.05, trace_decay=LAMBDA, tau=50.0)
    w, alpha = _run_rule(rule, transitions)
    w_ref, alpha_ref = _auto_tidbd_reference(transitions, 0.3, 0.05, 50.0)
    # the trajectory exercises the normalisation (alpha fell well below its start) and
    # the meta-step (the step sizes differ between weights)
    assert alpha_ref.max() < 0.3 and np.ptp(alpha_ref) > 1e-3
    np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(alpha, alpha_ref, rtol=1e-9)
