"""A stochastic fit's epochs run interpreted until the engine pays for itself.

The MLP engine (:func:`skreg._kernels.mlp.run_epoch`) compiles for 3-5 s
with an empty numba cache for each of its specializations (the MLP rows and
the MLP floor of ``python benchmarks/run.py first-use``; issue 13), where
a small fit takes milliseconds.  Until a family of fits (the engine's
specialization: dtype, solver, activations, loss, dense or CSR input, the
toolkit's options on; :func:`family`) has spent ``INTERPRETED_RENT``
seconds in the interpreter, as the quick starts' ledger records next to
numba's cache (:mod:`skreg._quick_start`), a fit runs its epochs in the
interpreter: the engine's Python, with its kernels replaced by their NumPy
versions (:mod:`skreg._kernels.mlp_numpy`; about scikit-learn's speed),
early stopping's validation loss too, if the rent left pays its ``max_iter`` epochs
at their price (:func:`epoch_seconds`; for L-BFGS, two full-batch losses
and gradients an iteration); otherwise it compiles, and its
family uses the engine from then on.  The results agree with the compiled
engine's to rounding.
"""

from skreg import _quick_start

# About the engine's compilation on a two-core machine: the MLP floor of
# issue 13's first-use runs (one kernel, an epoch) took 3.1-4.9 s of CPU,
# a default MLPClassifier 4.0-5.3 s.
INTERPRETED_RENT = 3.0
# An interpreted epoch's seconds: the driver's and the copy's work an epoch,
# a batch's NumPy calls, and a row's work a parameter (its products and
# element-wise steps).  Measured by benchmarks/bench_interpreted.py --mlp:
# 1.0-28 ms an epoch from 200x20 (100 hidden units) to 2000x64 (batches of
# 32), 500x300 (50, 50) and 5000x10 (20,), 0.43-1.10 of these prices in two
# runs (0.48-0.78 in the second).
SECONDS_PER_EPOCH = 5e-4
SECONDS_PER_BATCH = 5e-4
SECONDS_PER_ROW_PARAMETER = 1e-9


def family(dtype, solver, net, input_kind, options=()):
    """The ledger's name for the fits that compile one specialization of the
    engine: ``solver`` the optimizer's name (``"lbfgs"``: the full-batch
    loss and gradient), ``input_kind`` ``"dense"``, ``"csr"`` or
    ``"csr-dense"`` (CSR made dense batch by batch: its input is perturbed),
    ``options`` the names of the toolkit's options on."""
    codes = (
        int(getattr(code, "CODE", code)) for code in (net.hidden, net.out, net.loss)
    )
    name = "MLP-{}-{}-{}-{}-{}-".format(dtype, solver, *codes)
    return name + "-".join((input_kind, *options))


def epoch_seconds(n_rows, batch_size, n_params):
    """What an epoch of ``n_rows`` rows costs in the interpreter."""
    n_batches = -(-n_rows // batch_size)
    return (
        SECONDS_PER_EPOCH
        + n_batches * SECONDS_PER_BATCH
        + n_rows * n_params * SECONDS_PER_ROW_PARAMETER
    )


def engine_or_interpreted(kernel, key, seconds):
    """The engine's ``kernel`` (:func:`~skreg._kernels.mlp.run_epoch` or
    :func:`~skreg._kernels.mlp.loss_grad`), or its interpreted copy that
    charges its time to the rent of the family ``key`` (:func:`family`)
    where the rent left pays the fit's ``seconds`` in the interpreter; or,
    before numba is loaded in the process, to its allowance
    (:func:`~skreg._quick_start.before_numba_left`) where that pays them."""
    from skreg._numba import interpreted_throughout

    left = _quick_start.rent_left(key, INTERPRETED_RENT)
    if left is None or left < seconds:
        before = _quick_start.before_numba_left()
        if before is None or before < seconds:
            if left is not None:
                _quick_start.mark_engine(key)  # compiled now: cached from then on
            return kernel
        key = _quick_start.BEFORE_NUMBA
    python = interpreted_throughout(kernel)

    def run(*arguments):
        with _quick_start.renting(key):
            return python(*arguments)

    return run
