"""Epoch loop of the 'sgd' and 'adam' solvers: batches, early stopping, warnings.

Each epoch is one call of :func:`skreg._kernels.mlp.run_epoch`; everything
between epochs (shuffling, validation score, learning-rate schedule, stopping
rules) follows scikit-learn's ``_fit_stochastic`` step by step, so that with
the same ``random_state`` the sequence of random draws is identical.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import shuffle as sk_shuffle

from skreg._kernels.mlp import ADAM, SGD, run_epoch
from skreg.neural_network._kernel_inputs import kernel_inputs
from skreg.neural_network._network import HIDDEN_CODES, OUT_CODES, loss_code
from skreg.neural_network._optimizers import AdamState, SGDState


def make_optimizer(est, n_params, dtype):
    """A fresh optimizer state for the estimator's solver.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import MLPClassifier
    >>> from skreg.neural_network._stochastic import make_optimizer
    >>> make_optimizer(MLPClassifier(solver="sgd"), 5, np.float64).solver
    'sgd'
    """
    if est.solver == "sgd":
        return SGDState(
            n_params,
            dtype,
            est.learning_rate_init,
            est.learning_rate,
            est.momentum,
            est.nesterovs_momentum,
            est.power_t,
        )
    return AdamState(
        n_params, dtype, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon
    )


def _batch_size(est, n_samples):
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going "
            "to be clipped"
        )
    return int(np.clip(est.batch_size, 1, n_samples))


def update_no_improvement_count(est, early_stopping, X_val, y_val, sw_val, params):
    """scikit-learn's stopping bookkeeping after an epoch.

    Counts epochs whose training loss (or, with early stopping, validation
    score) did not improve by ``tol`` and keeps the best loss, score and
    (with early stopping) parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import MLPRegressor
    >>> from skreg.neural_network._stochastic import update_no_improvement_count
    >>> est = MLPRegressor(tol=0.1)
    >>> est.loss_curve_, est.best_loss_, est._no_improvement_count = [1.0], 1.05, 0
    >>> update_no_improvement_count(est, False, None, None, None, np.zeros(1))
    >>> est._no_improvement_count, est.best_loss_
    (1, 1.0)
    """
    if early_stopping:
        score = est._score(X_val, y_val, sample_weight=sw_val)
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {est.validation_scores_[-1]:f}")
        last = est.validation_scores_[-1]
        if last < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if last > est.best_validation_score_:
            est.best_validation_score_ = last
            est._best_params = params.copy()
    else:
        if est.loss_curve_[-1] > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if est.loss_curve_[-1] < est.best_loss_:
            est.best_loss_ = est.loss_curve_[-1]


def fit_stochastic(est, X, Y, Y_raw, sample_weight, incremental, layout, params):
    """Run the stochastic solver, updating ``params`` in place.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        Holds the hyper-parameters and receives the fitted attributes.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets as floats of the parameters' dtype (binarized for classifiers).
    Y_raw : ndarray
        Targets as scikit-learn passes them to ``train_test_split``.
    sample_weight : ndarray of shape (n_samples,)
    incremental : bool
        ``partial_fit``: one epoch, optimizer state kept across calls.
    layout : Layout
    params : ndarray
        Flat parameters; ``est.coefs_`` and ``est.intercepts_`` are views.

    Examples
    --------
    The estimators call this driver from ``fit`` and ``partial_fit``:

    >>> import numpy as np
    >>> from skreg import MLPRegressor
    >>> X = np.random.RandomState(0).rand(50, 3); y = X.sum(axis=1)
    >>> est = MLPRegressor(solver="sgd", max_iter=5, random_state=0)
    >>> est.partial_fit(X, y).n_iter_  # one epoch through fit_stochastic
    1
    """
    dtype = params.dtype
    dt = dtype.type
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est, layout.n_params, dtype)
    state = est._optimizer
    state.astype(dtype)  # partial_fit may switch between float32 and float64

    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    early_stopping = est.early_stopping
    n_all = X.shape[0]
    if early_stopping:
        stratify = Y_raw if est._stratify_validation() else None
        train_idx, val_idx = train_test_split(
            np.arange(n_all),
            random_state=est._random_state,
            test_size=est.validation_fraction,
            stratify=stratify,
        )
        if val_idx.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        X_val = X[val_idx]
        y_val = est._validation_target(Y_raw[val_idx])
        sw_val = None if est._unit_weights else sample_weight[val_idx]
        train_idx = train_idx.astype(np.int64)
    else:
        train_idx = None
        X_val = y_val = sw_val = None

    n_samples = n_all if train_idx is None else train_idx.shape[0]
    batch_size = _batch_size(est, n_samples)
    Xd, X_data, X_indices, X_indptr, is_sparse = kernel_inputs(X, dtype)
    buf = layout.buffers(batch_size, dtype, not is_sparse)
    grad = np.empty_like(params)
    sw = np.ascontiguousarray(sample_weight, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    if state.solver == "adam":
        s1, s2, solver = state.m, state.v, ADAM
    else:
        s1, s2, solver = state.velocity, state.velocity, SGD
    hidden_code = HIDDEN_CODES[est.activation]
    out_code = OUT_CODES[est.out_activation_]
    lcode = loss_code(est.loss, est.out_activation_)
    clip_eps = dt(np.finfo(dtype).eps)
    alpha, l1_ratio = dt(est.alpha), dt(est.l1_ratio)

    sample_idx = np.arange(n_samples, dtype=np.int64)
    try:
        est.n_iter_ = 0
        for _ in range(est.max_iter):
            if est.shuffle:
                sample_idx = sk_shuffle(sample_idx, random_state=est._random_state)
            order = sample_idx if train_idx is None else train_idx[sample_idx]
            order = np.ascontiguousarray(order, dtype=np.int64)
            last_good = params.copy()
            loss_sum, t, _ = run_epoch(
                params,
                grad,
                s1,
                s2,
                layout.units,
                layout.coef_start,
                layout.intercept_start,
                layout.n_coef,
                Xd,
                X_data,
                X_indices,
                X_indptr,
                is_sparse,
                Y,
                sw,
                order,
                batch_size,
                buf["x_buf"],
                buf["y_buf"],
                buf["sw_buf"],
                buf["acts"],
                buf["deltas"],
                buf["act_start"],
                hidden_code,
                out_code,
                lcode,
                alpha,
                l1_ratio,
                clip_eps,
                solver,
                dt(state.learning_rate),
                dt(getattr(state, "momentum", 0.0)),
                bool(getattr(state, "nesterov", False)),
                dt(getattr(state, "beta_1", 0.0)),
                dt(getattr(state, "beta_2", 0.0)),
                dt(getattr(state, "epsilon", 1.0)),
                state.t,
            )
            if not (np.isfinite(loss_sum) and np.isfinite(params).all()):
                params[:] = last_good
                _diverged(est)
                break
            state.t = t
            est.n_iter_ += 1
            est.loss_ = loss_sum / n_samples
            est.t_ += n_samples
            est.loss_curve_.append(est.loss_)
            if est.verbose:
                print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")

            update_no_improvement_count(
                est, early_stopping, X_val, y_val, sw_val, params
            )
            state.iteration_ends(est.t_)

            if est._no_improvement_count > est.n_iter_no_change:
                if early_stopping:
                    msg = (
                        f"Validation score did not improve more than tol={est.tol:f} "
                        f"for {est.n_iter_no_change} consecutive epochs."
                    )
                else:
                    msg = (
                        f"Training loss did not improve more than tol={est.tol:f} "
                        f"for {est.n_iter_no_change} consecutive epochs."
                    )
                if state.trigger_stopping(msg, est.verbose):
                    break
                est._no_improvement_count = 0

            if incremental:
                break
            if est.n_iter_ == est.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")

    if early_stopping:
        params[:] = est._best_params


def _diverged(est):
    epoch = est.n_iter_ + 1
    if est.n_iter_ == 0:
        raise ValueError(
            f"Training diverged: the loss became non-finite in epoch {epoch} "
            f"(solver={est.solver!r}, learning_rate_init={est.learning_rate_init!r}) "
            "before any epoch of this call completed. Lower learning_rate_init "
            "or scale X."
        )
    warnings.warn(
        f"Training diverged: the loss became non-finite in epoch {epoch} "
        f"(solver={est.solver!r}, learning_rate_init={est.learning_rate_init!r}). "
        "Training stopped and the weights from the end of the last finite epoch "
        "were kept. Lower learning_rate_init or scale X.",
        ConvergenceWarning,
    )
