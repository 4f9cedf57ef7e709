"""RLS-TD: online equals batch (regularised LSTD) after every sample; the TD readout."""

import numpy as np
import pytest

from sensorimotor.nets.td_readout import TDReadout
from sensorimotor.rules import RLSTD


def test_online_equals_batch_lstd():
    rng = np.random.default_rng(0)
    n, gamma, delta = 4, 0.9, 0.5
    rule = RLSTD(delta=delta)
    state, w = rule.init(n), np.zeros(n)
    A, b = delta * np.eye(n), np.zeros(n)
    z = rng.normal(size=n)
    for t in range(40):
        terminal = t % 9 == 8
        z_next = np.zeros(n) if terminal else rng.normal(size=n)
        r = rng.normal()
        d = z - gamma * z_next
        state, inc = rule.update_td(state, z, d, r - d @ w)
        w = w + inc
        A += np.outer(z, d)
        b += z * r
        np.testing.assert_allclose(w, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
        z = rng.normal(size=n) if terminal else z_next


def test_td_readout_refuses_bad_input_unchanged():
    readout = TDReadout(2)
    readout.train_td(np.ones(2), np.zeros(2), 0.9, 0.5)
    beta = readout.beta.copy()
    with pytest.raises(ValueError, match="sample"):
        readout.train_td(np.array([np.nan, 1.0]), None, 0.9, 1.0)
    with pytest.raises(ValueError, match="next_sample"):
        readout.train_td(np.ones(2), np.ones(3), 0.9, 1.0)
    with pytest.raises(ValueError, match="error"):
        readout.train_td(np.ones(2), None, 0.9, float("inf"))
    np.testing.assert_array_equal(readout.beta, beta)


def test_td_readout_save_load_and_corrupt_file(tmp_path):
    readout = TDReadout(3, lambda_=0.99)
    for k in range(5):
        readout.train_td(np.full(3, k / 5), np.ones(3), 0.9, -1.0)
    readout.save(tmp_path / "r.npz")
    back = TDReadout.load(tmp_path / "r.npz")
    x = np.array([0.1, 0.2, 0.3])
    readout.train_td(x, None, 0.9, 0.7)
    back.train_td(x, None, 0.9, 0.7)
    np.testing.assert_array_equal(back.beta, readout.beta)
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04nonsense")
    with pytest.raises(ValueError, match="bad.npz"):
        TDReadout.load(tmp_path / "bad.npz")


@pytest.mark.parametrize(
    "key, value",
    [
        ("input_dim", 0),
        ("lambda_", 2.0),
        ("delta", -1.0),
        ("count", -1),
        ("stopped", "no"),
        ("stopped", 1),
    ],
)
def test_td_readout_load_refuses_a_tampered_header_naming_the_file(tmp_path, key, value):
    from sensorimotor.base.saved_file import read_npz, write_npz

    readout = TDReadout(2)
    readout.train_td(np.ones(2), None, 0.9, -1.0)
    readout.save(tmp_path / "r.npz")
    arrays, header = read_npz(tmp_path / "r.npz", "sensorimotor.td_readout", 1)
    header[key] = value
    write_npz(tmp_path / "tampered.npz", arrays, header)
    with pytest.raises(ValueError, match="tampered.npz"):
        TDReadout.load(tmp_path / "tampered.npz")


@pytest.mark.parametrize(
    "target, error",
    [([1.0, 2.0], ValueError), (np.ones((1, 2)), ValueError), ("x", TypeError), (True, TypeError)],
)
def test_td_readout_train_refuses_a_bad_target_naming_it_unchanged(target, error):
    readout = TDReadout(2)
    readout.train(np.ones(2), target=1.0)
    readout.train(np.zeros(2), target=np.array([0.5]))  # a scalar or shape (1,): one value
    beta, count = readout.beta.copy(), readout.count
    with pytest.raises(error, match="target"):
        readout.train(np.ones(2), target=target)
    np.testing.assert_array_equal(readout.beta, beta)
    assert readout.count == count
