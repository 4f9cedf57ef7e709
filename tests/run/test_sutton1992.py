"""Sutton (1992) Experiments 1 and 2, and the divergence guard on Experiment 1."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import (
    IDBD,
    LMS,
    LinearLearner,
    SuttonExperiment1Stream,
    compile_count,
    run_learning_loop_batched,
    run_sweep,
)
from sensorimotor.continual.learning_loop import loop_keys
from sensorimotor.run.sutton1992 import experiment2, format_experiment2, plot_experiment2

SEEDS = jax.random.split(jax.random.key(1992), 30)
STREAM = SuttonExperiment1Stream()


def _final_mse(out):
    """MSE over steps 20k-30k (the last of three 10k blocks), averaged over seeds."""
    return np.asarray(out.trace.squared_error[..., -1]).mean(-1)


def test_experiment1_best_lms_and_idbd_match_the_paper():
    before = compile_count().get("supervised", 0)
    step_sizes = (0.02, 0.03, 0.04, 0.05)
    lms = [LinearLearner(LMS(a), bias=False) for a in step_sizes]
    out = run_sweep(lms, STREAM, 30_000, SEEDS, trace_interval=10_000)
    mse_lms = _final_mse(out)
    assert out.trace.squared_error.shape == (4, 30, 3)
    # the paper: the best fixed step size gives an asymptotic MSE of about 3.5
    assert 3.3 <= mse_lms.min() <= 3.6, mse_lms
    assert 0.02 < step_sizes[int(np.argmin(mse_lms))] < 0.06
    idbd = LinearLearner(IDBD(initial_step_size=0.05, meta_step_size=0.01), bias=False)
    out = run_learning_loop_batched(idbd, STREAM, 30_000, SEEDS, trace_interval=10_000)
    mse_idbd = float(_final_mse(out))
    # the paper: IDBD with theta = 0.01 reaches about 1.5
    assert 1.4 <= mse_idbd <= 1.65, mse_idbd
    assert int(np.asarray(out.state.guard_count).sum()) == 0
    # the sweep over 4 step sizes x 30 seeds was a single compilation (and so was IDBD)
    assert compile_count()["supervised"] - before == 2


def test_experiment2_step_sizes_of_relevant_and_irrelevant_inputs():
    """Experiment 2: IDBD, theta = 0.001, 250k steps of Experiment 1's task.

    Setting: Experiment 1's task unchanged (20 inputs x ~ N(0, 1), 5 relevant weights
    +-1 of which one flips every 20 steps, 15 irrelevant weights 0, no noise, no bias),
    weights start at 0, step sizes read as exp(beta_i) after the last step, as in the
    paper's Figure 4. The issue quotes the paper as "relevant near 0.13, irrelevant below
    0.007" without the initial step size. Relevant: 0.13 (0.12-0.145 over seeds),
    whatever the start. Irrelevant: they fall as 1/alpha = 1/alpha(t0) + k t, with k
    about 20 per 50k steps whatever the start, so their value at 250k steps depends on
    where they started. From Experiment 1's 0.05 they end at 0.0075 on average (at most
    0.0079 over 8 seeds, the same in float64), crossing 0.007 near 280k steps; from 0.02
    at 0.0064. The test asserts that law and both figures; nothing else is tuned.
    """
    learners = [
        LinearLearner(IDBD(initial_step_size=a, meta_step_size=0.001), bias=False)
        for a in (0.05, 0.02)
    ]
    out = run_sweep(
        learners, STREAM, 250_000, SEEDS[:2], trace_interval=50_000, track_step_sizes=True
    )
    alpha = np.asarray(out.step_sizes)  # (initial sizes, seeds, blocks, 20)
    relevant, irrelevant = alpha[:, :, -1, :5], alpha[:, :, -1, 5:]
    # the paper: relevant step sizes settle near 0.13, irrelevant ones fall towards zero
    assert np.all(np.abs(relevant - 0.13) < 0.02), relevant
    assert irrelevant[0].max() < 0.008, irrelevant[0].max()  # from 0.05
    assert irrelevant[1].max() < 0.007, irrelevant[1].max()  # from 0.02
    # 1/alpha of the irrelevant inputs grows by about the same amount per block from
    # either start (over every block after the first, where it starts from alpha0): the
    # step sizes are still falling at 250k. The differences of the 5 block ends are the
    # growth over blocks 2 to 5 already (no further [1:], which left out block 2)
    growth = np.diff(1.0 / alpha[:, :, :, 5:].mean(-1), axis=-1)
    assert growth.shape == (2, 2, 4), growth.shape
    assert np.all((growth > 15) & (growth < 25)), growth
    # block 2 is nearest the two starts, which still show in it (9.3% apart here); blocks
    # 3 to 5 agree within 10%
    np.testing.assert_allclose(growth[0][..., 0], growth[1][..., 0], rtol=0.15)
    np.testing.assert_allclose(growth[0][..., 1:], growth[1][..., 1:], rtol=0.1)


def test_experiment2_the_best_fixed_step_size_is_the_one_idbd_finds():
    """Experiment 2, second part: LMS with one fixed step size on the relevant inputs and
    zero on the irrelevant ones. The best of them is 0.13, the value IDBD reaches on its
    own (previous test). IDBD's run, not asserted on here, is the 20k-step one of the
    tests below (one compiled program for the three); the LMS runs are 30k steps always."""
    r = experiment2(seeds=1, num_steps=20_000)
    grid, mse = np.asarray(r.lms_step_sizes), r.lms_mse
    assert grid[int(np.argmin(mse))] == 0.13, dict(zip(grid, mse))
    assert mse.min() < 1.45  # a little better than IDBD's 1.53 with meta step 0.01
    assert mse[0] > mse.min() + 0.2 and mse[-1] > mse.min() + 0.1  # a clear minimum
    assert "best fixed step size 0.13" in format_experiment2(r)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_idbd_meta_step_002_is_guarded_never_nan():
    learner = LinearLearner(IDBD(initial_step_size=0.05, meta_step_size=0.02), bias=False)
    steps = 60_000  # with these seeds the first restarts happen between 40k and 50k steps
    out = run_learning_loop_batched(learner, STREAM, steps, SEEDS, trace_interval=10_000)
    leaves = jax.tree_util.tree_leaves(out.state) + jax.tree_util.tree_leaves(out.trace)
    assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in leaves)
    counts = np.asarray(out.state.guard_count)
    assert counts.sum() >= 1  # the guard reported at least one recovery
    # the per-block mean of the guard metric counts the same recoveries
    np.testing.assert_allclose(np.asarray(out.trace.guard).sum(-1) * 10_000, counts, atol=1e-2)
    # the unguarded rule on a recovered seed: its error overflows float32
    seed = SEEDS[int(np.argmax(counts))]
    rule = learner.optimizer
    k_stream, k_steps = loop_keys(seed)

    @jax.jit
    def unguarded_max_abs_error():
        def step(c, t):
            w, s, ss, worst = c
            ss, ts = STREAM.step(ss, jax.random.fold_in(k_steps, t))
            err = ts.y - w @ ts.x
            s, inc = rule.update_from_error(s, ts.x, err)
            worst = jnp.where(jnp.isfinite(err), jnp.maximum(worst, jnp.abs(err)), jnp.inf)
            return (w + inc, s, ss, worst), None

        c0 = (jnp.zeros(20), rule.init(20, xp=jnp), STREAM.init(k_stream), jnp.zeros(()))
        return jax.lax.scan(step, c0, jnp.arange(steps))[0][3]

    assert float(unguarded_max_abs_error()) > 1e18


def test_experiment2_without_figure5_reports_and_plots_figure4_only(tmp_path):
    r = experiment2(seeds=1, num_steps=20_000, lms_step_sizes=())
    assert r.lms_step_sizes == () and r.lms_mse.shape == (0,)
    text = format_experiment2(r)
    assert "irrelevant step sizes" in text and "best fixed step size" not in text
    png = plot_experiment2(r, str(tmp_path / "fig4.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_experiment2_reads_the_growth_of_1_over_alpha_over_every_block_after_the_first():
    """``inverse_growth`` is documented as the growth of 1/alpha over each of the 5 coarse
    blocks after the first (BENCHMARKS quotes four: 22.5, 21.1, 20.3, 19.6 per 50k steps).
    The differences of the 5 block ends are those four already; a further ``[1:]``
    dropped the second block's, and the table printed three. (The 20k-step run of the
    tests above: they share its compiled loop.)"""
    r = experiment2(seeds=1, num_steps=20_000, lms_step_sizes=())
    ends = 1.0 / r.irrelevant_trace[9::10]  # 1/alpha at the end of each coarse block
    assert r.block == 4_000 and len(ends) == 5
    np.testing.assert_allclose(r.inverse_growth, np.diff(ends))
    assert len(r.inverse_growth) == 4
    growth = format_experiment2(r).splitlines()[3]
    assert growth.count(",") == 3, growth


def _no_work(*args, **kwargs):
    raise AssertionError("a compiled run started before every setting was checked")


@pytest.mark.parametrize(
    "experiment, settings, message",
    [
        ("experiment1", dict(meta_step_size=float("nan")), r"IDBD\.meta_step_size"),
        ("experiment1", dict(lms_step_sizes=(0.03, -1.0)), r"LMS\.step_size"),
        ("experiment2", dict(lms_step_sizes=(0.13, float("inf"))), r"LMS\.step_size"),
        ("experiment2", dict(meta_step_size=-0.1), r"IDBD\.meta_step_size"),
    ],
)
def test_every_setting_is_checked_before_any_compiled_run(
    monkeypatch, experiment, settings, message
):
    """Experiment 1 checked IDBD's settings only when its run started, after the LMS sweep
    (``--meta-step-size nan`` failed after seconds of work); Experiment 2 checked its LMS
    step sizes only after IDBD's long run."""
    from sensorimotor.run import sutton1992

    monkeypatch.setattr(sutton1992, "run_sweep", _no_work)
    monkeypatch.setattr(sutton1992, "run_learning_loop_batched", _no_work)
    with pytest.raises(ValueError, match=message):
        getattr(sutton1992, experiment)(seeds=1, **settings)


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--initial-step-size", "0"),
        ("--initial-step-size", "inf"),
        ("--meta-step-size", "-1"),
        ("--initial-step-size", "1e300"),  # inf in the experiments' float32
        ("--meta-step-size", "1e300"),
    ],
)
def test_the_command_refuses_a_bad_idbd_flag_before_any_work(capsys, monkeypatch, flag, value):
    """--initial-step-size 0 was refused after the whole of Experiment 1 had run, naming
    the class field instead of the flag."""
    from sensorimotor.run import sutton1992
    from sensorimotor.run.cli import main

    def ran(*args, **kwargs):
        raise AssertionError("an experiment ran")

    monkeypatch.setattr(sutton1992, "experiment1", ran)
    monkeypatch.setattr(sutton1992, "experiment2", ran)
    assert main(["sutton1992", flag, value]) == 2
    assert f"error: {flag}: " in capsys.readouterr().err
