"""Tile coding and RBF features; saving and loading learner states."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import (
    GVF,
    IDBD,
    RLS,
    TDIDBD,
    Autostep,
    EMANormalizer,
    Horde,
    LinearLearner,
    RBFFeatures,
    TDLinearLearner,
    TileCoder,
    load_state,
    read_header,
    save_state,
)


def test_tile_coder_properties_and_engines_agree():
    coder = TileCoder(low=(-1.0, 0.0), high=(1.0, 2.0), tiles_per_dim=5, num_tilings=4)
    rng = np.random.default_rng(0)
    jitted = jax.jit(lambda v: coder(v))
    for x in rng.uniform(-1.5, 2.5, size=(50, 2)):
        phi = coder(x)
        assert phi.shape == (coder.feature_dim,) == (4 * 36,)
        assert phi.sum() == 4  # one active tile per tiling
        np.testing.assert_array_equal(phi, np.asarray(jitted(jnp.asarray(x, jnp.float32))))
    # generalisation: nearby points share tiles, distant points share none
    a, b, c = (
        coder(np.array([0.1, 1.0])),
        coder(np.array([0.15, 1.05])),
        coder(np.array([-0.9, 0.1])),
    )
    assert a @ b >= 2 and a @ c == 0


def test_tile_coded_linear_learner_fits_a_smooth_function():
    coder = TileCoder(low=(0.0,), high=(2 * np.pi,), tiles_per_dim=10, num_tilings=8)
    learner = LinearLearner(Autostep(0.1 / 8), bias=False)
    state = learner.init(coder.feature_dim)
    rng = np.random.default_rng(1)
    for _ in range(5000):
        x = rng.uniform(0, 2 * np.pi, size=1)
        state = learner.update(state, coder(x), float(np.sin(x[0]))).state
    grid = np.linspace(0.2, 6.0, 30)
    err = [float(learner.predict(state, coder(np.array([g])))) - np.sin(g) for g in grid]
    assert np.sqrt(np.mean(np.square(err))) < 0.1


def test_rbf_features():
    rbf = RBFFeatures.grid(low=(0.0, 0.0), high=(1.0, 1.0), num_per_dim=4, sigma=0.3)
    assert rbf.feature_dim == 16
    x = np.array([1 / 3, 2 / 3])
    phi = rbf(x)
    assert phi.max() == pytest.approx(1.0) and phi.argmax() == 1 * 4 + 2
    np.testing.assert_allclose(phi, np.asarray(rbf(jnp.asarray(x))), rtol=1e-5)
    norm = RBFFeatures.random(10, (0.0,), (1.0,), 0.2, seed=3, normalize=True)
    assert norm(np.array([0.5])).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        rbf(np.ones(3))


@pytest.mark.parametrize("xp", [np, jnp], ids=["numpy", "jax"])
def test_normalised_rbf_features_of_an_input_far_from_every_centre_are_finite(xp):
    """exp(-d2 / 2 sigma^2) underflows to 0 for every centre 40 sigmas away, and the
    normalisation then divided 0 by 0: NaN features for a finite input. The normalised
    features are the same softmax shifted by the nearest centre's distance."""
    rbf = RBFFeatures.grid(low=(0.0,), high=(1.0,), num_per_dim=3, sigma=0.1, normalize=True)
    far = np.asarray(rbf(xp.asarray([5.0])))
    assert np.all(np.isfinite(far)) and far.sum() == pytest.approx(1.0, rel=1e-6)
    assert far.argmax() == 2  # the centre at 1.0 is the nearest
    near = np.asarray(rbf(xp.asarray([0.45])))  # unchanged where nothing underflows
    d2 = (np.array([0.0, 0.5, 1.0]) - 0.45) ** 2
    want = np.exp(-d2 / 0.02) / np.exp(-d2 / 0.02).sum()
    np.testing.assert_allclose(near, want, rtol=1e-5)


STATES = [
    LinearLearner(IDBD(0.05, 0.01), normalizer=EMANormalizer()),
    LinearLearner(RLS(0.99, 1.0), bias=False),
    TDLinearLearner(TDIDBD(0.05, 0.01, trace_decay=0.5)),
    Horde((GVF(TDIDBD(0.1, 0.0)), GVF(TDIDBD(0.1, 0.01), 0.5, cumulant=1))),
]


@pytest.mark.parametrize("learner", STATES, ids=["linear", "rls", "td", "horde"])
def test_save_load_round_trip_continues_identically(tmp_path, learner):
    rng = np.random.default_rng(2)
    td = not isinstance(learner, LinearLearner)

    def step(state, x):
        if td:
            return learner.update(state, x, 1.0, np.roll(x, 1), 0.9).state
        return learner.update(state, x, float(x.sum())).state

    state = learner.init(3)
    for _ in range(50):
        state = step(state, rng.normal(size=3))
    path = tmp_path / "s.npz"
    save_state(path, state, learner)
    back = load_state(path, like=learner.init(3))
    x = rng.normal(size=3)
    a, b = step(state, x), step(back, x)
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(u, v)
    header = read_header(path)
    assert header["version"] == 1 and type(learner).__name__ in header["learner"]
    # no pickle anywhere: every array loads with allow_pickle=False
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


def test_load_refuses_mismatched_or_foreign_files(tmp_path):
    learner = LinearLearner(IDBD(0.05, 0.01))
    path = tmp_path / "s.npz"
    save_state(path, learner.init(3), learner)
    with pytest.raises(ValueError, match="'leaf_0' has shape"):
        load_state(path, like=learner.init(4))
    with pytest.raises(ValueError, match="structure"):
        load_state(path, like=LinearLearner(Autostep()).init(3))
    np.savez(tmp_path / "other.npz", a=np.ones(2))
    with pytest.raises(ValueError, match="header"):
        load_state(tmp_path / "other.npz", like=learner.init(3))
    bad = dict(np.load(path, allow_pickle=False))
    header = json.loads(str(bad["header"]))
    header["format_version"] = 99
    bad["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "future.npz", **bad)
    with pytest.raises(ValueError, match="version"):
        load_state(tmp_path / "future.npz", like=learner.init(3))
    with pytest.raises(ValueError, match="npz"):
        save_state(tmp_path / "s.pkl", learner.init(3))


def test_stream_normals_moments_tails_and_independence(monkeypatch):
    from sensorimotor.envs.streams import normals

    key = jax.random.key(11)
    z = np.asarray(
        jax.vmap(lambda t: normals(jax.random.fold_in(key, t), 21))(jnp.arange(50_000)),
        np.float64,
    )
    assert np.all(np.isfinite(z)) and np.abs(z).max() < 5.6
    assert abs(z.mean()) < 0.003 and abs(z.var() - 1) < 0.005
    kurtosis = ((z - z.mean()) ** 4).mean() / z.var() ** 2
    assert abs(kurtosis - 3) < 0.05
    assert abs((np.abs(z) > 3).mean() - 0.0027) < 0.0003
    assert abs(np.corrcoef(z[:-1, 0], z[1:, 0])[0, 1]) < 0.01  # step to step
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.01  # within a step
    # the extreme hash codes map to finite values (no erfinv(+-1)): the module's own
    # normals, with the hash forced to its lowest, highest and middle codes
    from scipy.special import erfinv

    from sensorimotor.envs.streams import noise

    for code, v in ((0, -1 + 2.0**-24), (2**32 - 1, 1 - 2.0**-24), (2**31, 2.0**-24)):
        monkeypatch.setattr(noise, "_lowbias32", lambda x, code=code: jnp.full_like(x, code))
        got = np.asarray(normals(key, 3))
        np.testing.assert_allclose(got, np.sqrt(2) * erfinv(v), rtol=1e-5)


@pytest.mark.parametrize(
    "settings, named",
    [
        (dict(low=(0.0,), high=(1.0, 2.0)), "low and high"),
        (dict(low=(0.0,), high=(1.0,), num_tilings=0), "num_tilings"),
        (dict(low=(0.0,), high=(1.0,), tiles_per_dim=-2), "tiles_per_dim"),
        (dict(low=(0.0,), high=(1.0,), tiles_per_dim=2.5), "tiles_per_dim"),
        (dict(low=(1.0,), high=(0.0,)), "below high"),
        (dict(low=(0.0,), high=(np.inf,)), "below high"),
        # found by the fuzz suite (issue 9): an OverflowError, and a feature_dim past int32
        (dict(low=(-(10**400),), high=(1.0,)), "low and high"),
        (dict(low=(0.0,), high=(1.0,), num_tilings=10**400), "num_tilings"),
        (dict(low=(0.0,), high=(1.0,), tiles_per_dim=2**40), "tiles_per_dim"),
    ],
)
def test_tile_coder_refuses_bad_settings_naming_them(settings, named):
    coder = TileCoder(**settings)
    with pytest.raises(ValueError, match=named):
        coder(np.array([0.5]))
    with pytest.raises(ValueError, match=named):
        coder.feature_dim  # noqa: B018 - a learner sizes its weights from it


def test_tile_coder_refuses_nan_eagerly_and_activates_nothing_when_compiled():
    coder = TileCoder(low=(0.0,), high=(1.0,), tiles_per_dim=4, num_tilings=2)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="finite"):
            coder(np.array([bad]))
        with pytest.raises(ValueError, match="finite"):
            coder(jnp.array([bad]))
    compiled = jax.jit(lambda x: coder(x))
    assert float(compiled(jnp.array([jnp.nan])).sum()) == 0.0
    np.testing.assert_array_equal(np.asarray(compiled(jnp.array([0.3]))), coder(np.array([0.3])))


def test_features_refuse_nan_and_non_arrays_naming_x_and_feature_dim_is_an_int():
    """RBFFeatures of [nan, 0] gave NaN features and of None an AttributeError; a NumPy
    int num_tilings made feature_dim a NumPy int (found by the fuzz suite, issue 9)."""
    rbf = RBFFeatures.grid(low=(0.0, -1.0), high=(1.0, 1.0), num_per_dim=3, sigma=0.5)
    coder = TileCoder(low=(0.0, -1.0), high=(1.0, 1.0), tiles_per_dim=4, num_tilings=2)
    for features in (rbf, coder):
        for bad, exc in (
            (np.array([np.nan, 0.0]), ValueError),
            (jnp.array([0.0, np.inf]), ValueError),
            (None, TypeError),
            ([0.5, 0.5], TypeError),
            (np.array([0.5, 0.5]).astype(np.complex128), TypeError),
            (np.array([True, False]), TypeError),
        ):
            with pytest.raises(exc, match="x"):
                features(bad)
    assert type(TileCoder(num_tilings=np.int64(3)).feature_dim) is int


def test_tile_coder_of_unsigned_ints_and_a_timedelta_setting():
    """A uint8 x raised OverflowError (x - low in uint8); num_tilings=np.timedelta64(1, 's')
    (a NumPy integer) was taken, then failed in int() (found by the fuzz suite, issue 9)."""
    coder = TileCoder(low=(-1.0, -1.0), high=(1.0, 1.0), tiles_per_dim=4, num_tilings=2)
    np.testing.assert_array_equal(
        np.flatnonzero(coder(np.array([0, 1], dtype=np.uint8))),
        np.flatnonzero(coder(np.array([0.0, 1.0]))),
    )
    with pytest.raises(ValueError, match="num_tilings"):
        TileCoder(num_tilings=np.timedelta64(1, "s")).feature_dim  # noqa: B018


@pytest.mark.parametrize(
    "centers, sigma, exc, named",
    [
        ([[0.0], [1.0]], 0.0, ValueError, "sigma"),  # NaN at a centre, 0 elsewhere
        ([[0.0], [1.0]], -1.0, ValueError, "sigma"),  # taken as 1.0 (sigma squared)
        ([[0.0], [1.0]], np.nan, ValueError, "sigma"),  # all NaN
        ([[0.0], [1.0]], True, TypeError, "sigma"),  # taken as 1.0
        ([[0.0], [1.0]], "1", TypeError, "sigma"),  # TypeError of the ** operator
        ([[0.0], [np.nan]], 1.0, ValueError, "centers"),  # a NaN feature
        (np.zeros((0, 1)), 1.0, ValueError, "centers"),  # no features (num_per_dim=0)
        ([0.0, 1.0], 1.0, ValueError, "centers"),  # not (num_features, input_dim)
    ],
)
def test_rbf_features_refuse_bad_settings_naming_them(centers, sigma, exc, named):
    """Like TileCoder, RBFFeatures checks its settings when used: a zero, negative, NaN,
    bool or string sigma and NaN or missing centres gave NaN, wrong or no features."""
    rbf = RBFFeatures(np.asarray(centers, dtype=np.float64), sigma)
    with pytest.raises(exc, match=named):
        rbf(np.array([0.5]))


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: RBFFeatures.random(3, (0.0, 0.0), (1.0,), 0.2), "same length"),
        (lambda: RBFFeatures.grid((0.0, 0.0), (1.0,), 3, 0.2), "same length"),
        (lambda: RBFFeatures.grid((np.nan,), (1.0,), 3, 0.2), "finite"),
        (lambda: RBFFeatures.grid((0.0,), (1.0,), 2.5, 0.2), "num_per_dim"),
        (lambda: RBFFeatures.random(-1, (0.0,), (1.0,), 0.2), "num_features"),
    ],
    ids=["random-lengths", "grid-lengths", "grid-nan", "grid-count", "random-count"],
)
def test_rbf_builders_refuse_a_bad_box_or_count_naming_it(make, word):
    """random() broadcast low (2 values) against high (1) into a 2-D box, silently; grid()
    said 'zip() argument 2 is shorter than argument 1', or built NaN centres."""
    with pytest.raises(ValueError, match=word):
        make()


def test_a_tile_coder_given_scalar_bounds_says_they_must_be_sequences():
    """TileCoder(low=0.0, high=1.0) said 'must be non-empty sequences of the same length,
    got 1 and 1 values', which reads as if both were fine."""
    with pytest.raises(ValueError, match=r"sequences .* got low=0\.0, high=1\.0"):
        TileCoder(low=0.0, high=1.0).check_settings()
