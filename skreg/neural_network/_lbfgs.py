"""The 'lbfgs' solver: scipy's L-BFGS-B on the numba loss and gradient."""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.mlp_types import CSR
from skreg.neural_network._kernel_inputs import kernel_X, network, penalty, work


def fit_lbfgs(est, X, Y, sample_weight, layout, params):
    """Minimize the full-batch penalized loss with L-BFGS-B, updating ``params``.

    scikit-learn's options are kept: ``maxfun=max_fun``, ``maxiter=max_iter``,
    ``gtol=tol``.  scipy works in float64; the loss and gradient are computed
    in the parameters' dtype, so float32 inputs train a float32 network.

    Examples
    --------
    The estimators call this driver from ``fit`` with ``solver='lbfgs'``:

    >>> import numpy as np
    >>> from skreg import MLPRegressor
    >>> X = np.random.RandomState(0).rand(50, 3).astype(np.float32)
    >>> est = MLPRegressor(solver="lbfgs", random_state=0).fit(X, X.sum(axis=1))
    >>> est.coefs_[0].dtype, bool(est.loss_ < 0.01)
    (dtype('float32'), True)
    """
    if est.l1_ratio > 0:
        raise ValueError(
            f"l1_ratio={est.l1_ratio!r} > 0 is not supported with solver='lbfgs': "
            "the L1 penalty is not differentiable. Use solver='sgd' or 'adam', or "
            "set l1_ratio=0."
        )
    # numba loads at the first fit
    from skreg._kernels import mlp
    from skreg.neural_network._first_epochs import (
        engine_or_interpreted,
        epoch_seconds,
        family,
    )

    dtype = params.dtype
    n = X.shape[0]
    Xk = kernel_X(X, dtype)
    net = network(layout, est.activation, est.out_activation_, est.loss, dtype)
    buffers = work(layout, n, dtype, not isinstance(Xk, CSR))
    pen = penalty(dtype, est.alpha)
    grad = np.empty_like(params)
    current = params.copy()
    Y = np.ascontiguousarray(Y, dtype=dtype)
    sw = np.ascontiguousarray(sample_weight, dtype=dtype)
    rows = np.arange(n, dtype=np.int64)
    input_kind = "csr" if isinstance(Xk, CSR) else "dense"
    calls = min(est.max_fun, 2 * est.max_iter)  # about two an iteration
    loss_grad = engine_or_interpreted(
        mlp.loss_grad,
        family(dtype, "lbfgs", net, input_kind),
        calls * epoch_seconds(n, n, params.shape[0]),
    )

    def fun(x):
        current[:] = x
        loss, _ = loss_grad(
            current, grad, net, Xk, Y, sw, rows, 0, buffers, pen, None, None, None
        )
        return float(loss), grad.astype(np.float64)

    res = scipy.optimize.minimize(
        fun,
        params.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
    )
    n_iter = min(res.nit, est.max_iter)
    if res.status != 0:
        msg = (
            f"lbfgs failed to converge after {n_iter} iteration(s) "
            f"(status={res.status}):\n{res.message}\n"
        )
        if n_iter == est.max_iter:
            msg += (
                "\nIncrease the number of iterations to improve the convergence "
                f"(max_iter={est.max_iter})."
            )
        warnings.warn(msg, ConvergenceWarning)
    est.n_iter_ = n_iter
    est.loss_ = res.fun
    params[:] = res.x
