"""The NARMA and Mackey-Glass series and the one-step prediction examples."""

import numpy as np
import pytest

from sensorimotor.reservoir import (
    PlainRLS,
    ReservoirNode,
    mackey_glass_series,
    mackey_glass_task,
    narma_series,
    narma_task,
    nrmse,
    one_step_prediction,
)


def test_narma_series_follows_its_recurrence_and_its_seed():
    u, y, clipped = narma_series(200, order=30, seed=3)
    assert not clipped and np.all((u >= 0) & (u <= 0.5))
    for t in range(40, 60):  # y[t] is the output after u[t]
        want = (
            0.2 * y[t - 1] + 0.004 * y[t - 1] * y[t - 30 : t].sum() + 1.5 * u[t - 29] * u[t] + 0.001
        )
        assert y[t] == pytest.approx(want, rel=1e-12)
    again = narma_series(200, order=30, seed=3)
    assert np.array_equal(again[0], u) and np.array_equal(again[1], y)
    assert not np.array_equal(narma_series(200, order=30, seed=4)[0], u)


@pytest.mark.parametrize("order", [1, 5, 9])
def test_narma_refuses_an_order_it_does_not_define(order):
    """Orders below 10 ran with the NARMA-30 coefficients, a system the docstring (order
    >= 10) does not describe."""
    with pytest.raises(ValueError, match=rf"narma_series.order .*\[10, inf\), got {order}"):
        narma_series(100, order=order, seed=0)


def test_narma_10_has_its_own_coefficients_and_higher_orders_the_general_form():
    u, y, _ = narma_series(200, order=10, seed=3)
    for t in range(40, 60):
        want = 0.3 * y[t - 1] + 0.05 * y[t - 1] * y[t - 10 : t].sum() + 1.5 * u[t - 9] * u[t] + 0.1
        assert y[t] == pytest.approx(want, rel=1e-12)
    u, y, _ = narma_series(200, order=11, seed=3)
    for t in range(40, 60):
        want = (
            0.2 * y[t - 1] + 0.004 * y[t - 1] * y[t - 11 : t].sum() + 1.5 * u[t - 10] * u[t] + 0.001
        )
        assert y[t] == pytest.approx(want, rel=1e-12)


def test_mackey_glass_is_bounded_and_not_periodic_in_the_short_run():
    x = mackey_glass_series(1500)
    assert 0.2 < x.min() and x.max() < 1.5
    assert np.std(x[:500]) > 0.1 and not np.allclose(x[:50], x[50:100], atol=1e-2)


def test_esn_beats_the_simple_predictors():
    mg = mackey_glass_task(n_train=1500, n_test=500)
    x = mackey_glass_series(2201) - 1.0
    persistence = nrmse(x[-501:-1], x[-500:])  # predict x[t+1] = x[t]
    assert mg.nrmse < 0.1 * persistence
    narma = narma_task(n_train=1500, n_test=500)
    assert narma.nrmse < 0.8 and narma.predictions.shape == (500, 1)


def test_one_step_prediction_refuses_too_short_a_series():
    node, readout = ReservoirNode(1, 10, seed=0), PlainRLS(11, 1)
    with pytest.raises(ValueError, match="no test sample"):
        one_step_prediction(node, readout, np.zeros((100, 1)), np.zeros((100, 1)), 50, 50)
    with pytest.raises(ValueError, match="inputs contains NaN"):
        one_step_prediction(node, readout, np.full((100, 1), np.nan), np.zeros((100, 1)), 5, 5)


def test_one_step_prediction_takes_no_washout_but_refuses_a_negative_one():
    x = np.sin(0.3 * np.arange(101))[:, None]
    node, readout = ReservoirNode(1, 10, seed=0), PlainRLS(11, 1)
    result = one_step_prediction(node, readout, x[:-1], x[1:], washout=0, n_train=60)
    assert result.predictions.shape == (40, 1)  # was: washout must be an int in [1, inf)
    assert readout.count == 60  # trained from the first step on
    with pytest.raises(ValueError, match="washout"):
        one_step_prediction(node, readout, x[:-1], x[1:], washout=-1, n_train=60)


def test_nrmse_refuses_constant_or_empty_targets_naming_them():
    with pytest.raises(ValueError, match="targets"):  # was a ZeroDivisionError
        nrmse(np.array([1.0, 2.0]), np.array([3.0, 3.0]))
    with pytest.raises(ValueError, match="targets"):
        nrmse(np.zeros((0, 1)), np.zeros((0, 1)))
    assert nrmse(np.array([1.0, 3.0]), np.array([1.0, 3.0])) == 0.0


@pytest.mark.parametrize("bad", [1.0, np.float64(2.0), "abc", None])
def test_one_step_prediction_refuses_a_scalar_input_naming_it(bad):
    node, readout = ReservoirNode(1, 10, seed=0), PlainRLS(11, 1)
    state, beta = node.state.copy(), readout.beta.copy()
    with pytest.raises((TypeError, ValueError), match="inputs"):  # was an IndexError
        one_step_prediction(node, readout, bad, np.zeros((100, 1)), 5, 5)
    assert np.array_equal(node.state, state) and np.array_equal(readout.beta, beta)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nrmse_refuses_nan_or_inf_naming_the_argument(bad):
    good = np.array([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="predictions contains NaN or inf"):
        nrmse(np.array([bad, 1.0, 2.0]), good)
    with pytest.raises(ValueError, match="targets contains NaN or inf"):
        nrmse(good, np.array([bad, 1.0, 2.0]))
