"""Epoch loop of the 'sgd' and 'adam' solvers: batches, early stopping, warnings.

Each epoch is one call of :func:`skreg._kernels.mlp.run_epoch`; everything
between epochs (shuffling, validation score, learning-rate schedule, stopping
rules) follows scikit-learn's ``_fit_stochastic`` step by step, so that with
the same ``random_state`` the sequence of random draws is identical.
"""

import warnings
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import shuffle as sk_shuffle

from skreg._kernels import mlp_types as K
from skreg.neural_network._kernel_inputs import kernel_X, network, penalty, work
from skreg.neural_network._network import BATCH_NORM_EPSILON, loss_code
from skreg.neural_network._optimizers import AdamState, RMSpropState, SGDState


@dataclass(frozen=True)
class TrainingConfig:
    """What the stochastic solvers read from an estimator, frozen at fit time.

    Built by :meth:`from_estimator`; the driver reads nothing else from the
    estimator (the fields have the estimator parameters' names and meanings).

    Examples
    --------
    >>> from skreg import MLPRegressor
    >>> from skreg.neural_network._stochastic import TrainingConfig
    >>> TrainingConfig.from_estimator(MLPRegressor(dropout=0.2)).dropout_rates
    (0.2,)
    """

    solver: str
    learning_rate_init: float
    learning_rate: str
    momentum: float
    nesterovs_momentum: bool
    power_t: float
    beta_1: float
    beta_2: float
    epsilon: float
    rho: float
    max_iter: int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    verbose: bool
    warm_start: bool
    early_stopping: bool
    early_stopping_metric: str
    validation_fraction: float
    batch_size: object
    activation: str
    alpha: float
    l1_ratio: float
    weight_decay: float
    input_group_alpha: float
    input_noise: float
    input_dropout: float
    batch_norm_momentum: float
    dropout_rates: tuple = ()
    loss: str = "squared_error"
    out_activation: str = "identity"
    stratify: bool = False
    unit_weights: bool = True

    @classmethod
    def from_estimator(cls, est):
        """The configuration of ``est`` (fitted attributes used when present)."""
        names = [f.name for f in fields(cls)][:-5]
        hidden = est.hidden_layer_sizes
        n_hidden = len(hidden) if hasattr(hidden, "__iter__") else 1
        rates = getattr(est, "_dropout_rates", None)
        if rates is None:
            rates = np.broadcast_to(np.asarray(est.dropout, dtype=float), n_hidden)
        return cls(
            **{name: getattr(est, name) for name in names},
            dropout_rates=tuple(float(r) for r in rates),
            loss=est.loss,
            out_activation=getattr(est, "out_activation_", "identity"),
            stratify=bool(
                getattr(est, "n_outputs_", None) is not None
                and est._stratify_validation()
            ),
            unit_weights=bool(getattr(est, "_unit_weights", True)),
        )


@dataclass
class History:
    """What training records and carries over calls (``partial_fit``,
    ``warm_start``): the driver returns it, the estimator stores it.

    The fields are the estimator attributes of the same names (``n_iter_``,
    ``loss_``, ``t_``, ``loss_curve_``, ``best_loss_``,
    ``validation_scores_``, ...); ``optimizer`` is the optimizer state,
    ``best_params`` / ``best_running`` the parameters of the best validation
    epoch.
    """

    n_iter: int = 0
    loss: float = np.inf
    t: int = 0
    loss_curve: list = field(default_factory=list)
    best_loss: object = np.inf
    no_improvement_count: int = 0
    validation_scores: object = None
    validation_loss_curve: object = None
    best_validation_score: object = None
    best_validation_loss: object = None
    best_params: object = None
    best_running: object = None
    optimizer: object = None

    _ATTRS = (
        ("n_iter", "n_iter_"),
        ("loss", "loss_"),
        ("t", "t_"),
        ("loss_curve", "loss_curve_"),
        ("best_loss", "best_loss_"),
        ("no_improvement_count", "_no_improvement_count"),
        ("validation_scores", "validation_scores_"),
        ("validation_loss_curve", "validation_loss_curve_"),
        ("best_validation_score", "best_validation_score_"),
        ("best_validation_loss", "best_validation_loss_"),
        ("best_params", "_best_params"),
        ("best_running", "_best_running"),
        ("optimizer", "_optimizer"),
    )

    @classmethod
    def resume(cls, est):
        """The record of the estimator's previous calls (or a fresh one)."""
        hist = cls()
        for name, attr in cls._ATTRS:
            if hasattr(est, attr):
                setattr(hist, name, getattr(est, attr))
        return hist

    def store(self, est):
        """Write the record back as the estimator's fitted attributes."""
        for name, attr in self._ATTRS:
            setattr(est, attr, getattr(self, name))


def make_optimizer(cfg, n_params, dtype):
    """A fresh optimizer state for the estimator's solver.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import MLPClassifier
    >>> from skreg.neural_network._stochastic import make_optimizer
    >>> make_optimizer(MLPClassifier(solver="sgd"), 5, np.float64).solver  # duck-typed
    'sgd'
    """
    if cfg.solver == "sgd":
        return SGDState(
            n_params,
            dtype,
            cfg.learning_rate_init,
            cfg.learning_rate,
            cfg.momentum,
            cfg.nesterovs_momentum,
            cfg.power_t,
        )
    if cfg.solver == "rmsprop":
        return RMSpropState(
            n_params, dtype, cfg.learning_rate_init, cfg.rho, cfg.epsilon
        )
    return AdamState(
        n_params, dtype, cfg.learning_rate_init, cfg.beta_1, cfg.beta_2, cfg.epsilon
    )


def _reuse_optimizer(cfg, state, incremental, n_params):
    """Whether the optimizer state of the previous call carries over.

    ``partial_fit`` (as in scikit-learn) and, unlike scikit-learn, a
    ``warm_start`` fit keep the momentum / moment vectors and the step count,
    as long as the solver and the number of parameters are unchanged.
    """
    if state is None or not (incremental or cfg.warm_start):
        return False
    first = state.velocity if state.solver == "sgd" else state.v
    return state.solver == cfg.solver and first.shape[0] == n_params


def needs_perturbation(cfg):
    """Whether dropout or input noise asks for per-epoch random draws.

    Examples
    --------
    >>> from skreg import MLPRegressor
    >>> from skreg.neural_network._stochastic import (TrainingConfig,
    ...                                               needs_perturbation)
    >>> cfg = TrainingConfig.from_estimator
    >>> needs_perturbation(cfg(MLPRegressor())), needs_perturbation(
    ...     cfg(MLPRegressor(dropout=0.1)))
    (False, True)
    """
    return bool(
        any(r > 0 for r in cfg.dropout_rates)
        or cfg.input_dropout > 0
        or cfg.input_noise > 0
    )


def kernel_optimizer(state, dtype):
    """The engine's optimizer tuple over the state's vectors (updated in place)."""
    dt = np.dtype(dtype).type
    lr = dt(state.learning_rate)
    if state.solver == "sgd":
        return K.SGD(state.velocity, lr, dt(state.momentum), bool(state.nesterov))
    if state.solver == "rmsprop":
        return K.RMSprop(state.v, lr, dt(state.rho), dt(state.epsilon))
    return K.Adam(
        state.m, state.v, lr, dt(state.beta_1), dt(state.beta_2), dt(state.epsilon)
    )


def draw_epoch_randomness(random_state, n_rows, units, rates, input_noise, dtype):
    """Dropout multipliers and input noise of one epoch, drawn in NumPy.

    Parameters
    ----------
    random_state : RandomState
    n_rows : int
        Rows of the epoch; row position ``i`` of the epoch uses row ``i`` of
        every block.
    units : ndarray of int
        Layer sizes.
    rates : sequence of float
        Dropout rate of the input (index 0) and of every hidden layer.
    input_noise : float
        Standard deviation of the Gaussian input noise (0: none drawn).
    dtype : dtype

    Returns
    -------
    masks, mask_start, noise : ndarray
        Flat ``0`` / ``1 / (1 - p)`` multipliers, the start of each layer's
        block (``-1``: no dropout) and the flat noise (a dummy when off).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._stochastic import draw_epoch_randomness
    >>> masks, start, noise = draw_epoch_randomness(
    ...     np.random.RandomState(0), 4, np.array([2, 3, 1]), [0.0, 0.5], 0.0,
    ...     np.float64)
    >>> start.tolist(), sorted(set(masks.tolist())), noise.shape
    ([-1, 0, -1], [0.0, 2.0], (1,))
    """
    dtype = np.dtype(dtype)
    mask_start = np.full(len(units), -1, dtype=np.int64)
    blocks = []
    pos = 0
    for layer, rate in enumerate(rates):
        if rate > 0:
            keep = random_state.random_sample((n_rows, int(units[layer]))) >= rate
            block = keep.astype(dtype).ravel()
            block *= dtype.type(1.0 / (1.0 - rate))
            mask_start[layer] = pos
            pos += block.shape[0]
            blocks.append(block)
    masks = np.concatenate(blocks) if blocks else np.zeros(1, dtype=dtype)
    if input_noise > 0:
        noise = random_state.standard_normal((n_rows, int(units[0])))
        noise = (noise * input_noise).astype(dtype).ravel()
    else:
        noise = np.zeros(1, dtype=dtype)
    return masks, mask_start, noise


def _batch_size(cfg, n_samples):
    if cfg.batch_size == "auto":
        return min(200, n_samples)
    if cfg.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going "
            "to be clipped"
        )
    return int(np.clip(cfg.batch_size, 1, n_samples))


class ValidationSplit:
    """The held-out rows of early stopping and what scoring them needs.

    Parameters
    ----------
    X, y : array-like
        Validation inputs and targets as ``est.score`` takes them.
    Y : ndarray of shape (n_val, n_outputs)
        Targets as the kernels see them (binarized for classifiers).
    sample_weight : ndarray or None
        Validation sample weights (None when the fit had none).
    loss_code : int or code type
    clip_eps : float
    """

    def __init__(self, X, y, Y, sample_weight, loss_code, clip_eps):
        self.X = X
        self.y = y
        self.Y = np.ascontiguousarray(Y)
        self.sample_weight = sample_weight
        n = self.Y.shape[0]
        sw = np.ones(n) if sample_weight is None else sample_weight
        self.sw = np.ascontiguousarray(sw, dtype=self.Y.dtype)
        self.loss_code = loss_code
        self.clip_eps = clip_eps
        # the engine's data loss; its NumPy version where the fit's epochs
        # are interpreted (skreg/neural_network/_first_epochs.py)
        self.data_loss = None

    def loss_and_score(self, model):
        """Validation data loss (no penalty) and score of the current model."""
        raw = np.ascontiguousarray(model.forward(self.X))
        if raw.dtype != self.Y.dtype:
            raw = raw.astype(self.Y.dtype)
        data_loss = self.data_loss
        if data_loss is None:
            from skreg._kernels.mlp import data_loss
        loss = float(data_loss(self.Y, raw, self.sw, self.loss_code, self.clip_eps))
        score = model.score_raw(raw, self.y, self.sample_weight)
        return loss, score


def update_no_improvement_count(cfg, hist, val, model, params, running=None):
    """scikit-learn's stopping bookkeeping after an epoch.

    Counts epochs whose training loss (or, with early stopping, validation
    score or validation loss, per ``early_stopping_metric``) did not improve
    by ``tol`` and keeps the best loss, score and (with early stopping)
    parameters in ``hist``.  With a validation split both the validation score
    and loss of ``model`` are recorded.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import MLPRegressor
    >>> from skreg.neural_network._stochastic import (History, TrainingConfig,
    ...     update_no_improvement_count)
    >>> cfg = TrainingConfig.from_estimator(MLPRegressor(tol=0.1))
    >>> hist = History(loss_curve=[1.0], best_loss=1.05)
    >>> update_no_improvement_count(cfg, hist, None, None, np.zeros(1))
    >>> hist.no_improvement_count, hist.best_loss
    (1, 1.0)
    """
    if val is None:
        if hist.loss_curve[-1] > hist.best_loss - cfg.tol:
            hist.no_improvement_count += 1
        else:
            hist.no_improvement_count = 0
        if hist.loss_curve[-1] < hist.best_loss:
            hist.best_loss = hist.loss_curve[-1]
        return
    loss, score = val.loss_and_score(model)
    hist.validation_scores.append(score)
    hist.validation_loss_curve.append(loss)
    if cfg.verbose:
        print(f"Validation score: {score:f}, validation loss: {loss:f}")
    if cfg.early_stopping_metric == "loss":
        improved = loss < hist.best_validation_loss - cfg.tol
        best = loss < hist.best_validation_loss
    else:
        improved = not score < hist.best_validation_score + cfg.tol
        best = score > hist.best_validation_score
    hist.no_improvement_count = 0 if improved else hist.no_improvement_count + 1
    if best:
        # the best epoch by the chosen metric; both numbers are of that epoch
        hist.best_validation_loss = loss
        hist.best_validation_score = score
        hist.best_params = params.copy()
        if running is not None:
            hist.best_running = running.copy()


class Model(NamedTuple):
    """What the driver asks of the estimator being trained.

    ``forward(X)``: output activations of the current weights (no input
    check); ``score_raw(raw, y, sample_weight)``: the estimator's score of
    them; ``validation_target(Y_raw)``: targets as ``score_raw`` takes them.
    """

    forward: object
    score_raw: object
    validation_target: object


def fit_stochastic(
    cfg,
    hist,
    model,
    random_state,
    X,
    Y,
    Y_raw,
    sample_weight,
    incremental,
    layout,
    params,
    running=None,
):
    """Run the stochastic solver, updating ``params`` in place.

    Parameters
    ----------
    cfg : TrainingConfig
    hist : History
        The record of the previous calls (updated and returned).
    model : Model
        The estimator's forward pass and score, for the validation split and
        the divergence check.
    random_state : RandomState
        Shuffles, validation split, dropout and noise draw from it, in
        scikit-learn's order.
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
        With batch normalization the scales and shifts follow the intercepts.
    running : ndarray or None
        Running means then variances of batch normalization (updated in
        place), or None without it.

    Returns
    -------
    hist : History

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
    # numba and the kernels load at the first fit, not at import
    from skreg._kernels import mlp
    from skreg._numba import interpreted_throughout
    from skreg.neural_network._first_epochs import (
        engine_or_interpreted,
        epoch_seconds,
        family,
    )

    dtype = params.dtype
    dt = dtype.type
    if not _reuse_optimizer(cfg, hist.optimizer, incremental, params.shape[0]):
        hist.optimizer = make_optimizer(cfg, params.shape[0], dtype)
    state = hist.optimizer
    state.astype(dtype)  # partial_fit may switch between float32 and float64

    if cfg.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    early_stopping = cfg.early_stopping
    n_all = X.shape[0]
    lcode = loss_code(cfg.loss, cfg.out_activation)
    clip_eps = dt(np.finfo(dtype).eps)
    if early_stopping:
        stratify = Y_raw if cfg.stratify else None
        train_idx, val_idx = train_test_split(
            np.arange(n_all),
            random_state=random_state,
            test_size=cfg.validation_fraction,
            stratify=stratify,
        )
        if val_idx.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        val = ValidationSplit(
            X[val_idx],
            model.validation_target(Y_raw[val_idx]),
            np.asarray(Y, dtype=dtype)[val_idx],
            None if cfg.unit_weights else sample_weight[val_idx],
            K.LOSSES[lcode],  # the type loss_grad's data_loss compiled for
            clip_eps,
        )
        train_idx = train_idx.astype(np.int64)
    else:
        train_idx = None
        val = None

    n_samples = n_all if train_idx is None else train_idx.shape[0]
    batch_size = _batch_size(cfg, n_samples)
    Xk = kernel_X(X, dtype)
    perturbed = needs_perturbation(cfg)
    dense_input = not isinstance(Xk, K.CSR) or (
        cfg.input_noise > 0 or cfg.input_dropout > 0
    )
    net = network(layout, cfg.activation, cfg.out_activation, cfg.loss, dtype)
    buffers = work(layout, batch_size, dtype, dense_input)
    pen = penalty(dtype, cfg.alpha, cfg.l1_ratio, cfg.weight_decay)
    group_alpha = dt(cfg.input_group_alpha) if cfg.input_group_alpha > 0 else None
    grad = np.zeros_like(params)
    sw = np.ascontiguousarray(sample_weight, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    bn = None
    if running is not None:
        n_hidden = int(layout.units[1:-1].sum())
        hid_start = np.zeros(len(layout.units), dtype=np.int64)
        hid_start[1:-1] = np.cumsum(layout.units[1:-1]) - layout.units[1:-1]
        bn = K.BatchNorm(
            layout.n_params,
            n_hidden,
            hid_start,
            running,
            np.empty(max(n_hidden, 1), dtype=dtype),
            np.empty_like(buffers.acts),
            dt(cfg.batch_norm_momentum),
            dt(BATCH_NORM_EPSILON),
        )
    if perturbed:
        rates = [cfg.input_dropout, *cfg.dropout_rates]
        drop_acts = np.empty_like(buffers.acts) if any(rates[1:]) else buffers.acts[:1]

    if bn is not None:
        _check_batch_norm_batches(batch_size, n_samples)

    options = ("batch-norm", "perturbed", "group-lasso")
    on = (bn is not None, perturbed, group_alpha is not None)
    key = family(
        dtype, cfg.solver, net,
        "csr" + "-dense" * dense_input if isinstance(Xk, K.CSR) else "dense",
        tuple(name for name, used in zip(options, on, strict=True) if used),
    )  # fmt: skip
    epochs = 1 if incremental else cfg.max_iter
    seconds = epochs * epoch_seconds(n_samples, batch_size, params.shape[0])
    run_epoch = engine_or_interpreted(mlp.run_epoch, key, seconds)
    if val is not None and run_epoch is not mlp.run_epoch:
        val.data_loss = interpreted_throughout(mlp.data_loss)
    sample_idx = np.arange(n_samples, dtype=np.int64)
    start_params = params.copy()
    start_running = None if running is None else running.copy()
    # the lowest training loss of this call, restored if training diverges
    lowest = (np.inf, 0, None, None)
    diverged_in = None
    try:
        hist.n_iter = 0
        for _ in range(cfg.max_iter):
            if cfg.shuffle:
                sample_idx = sk_shuffle(sample_idx, random_state=random_state)
            order = sample_idx if train_idx is None else train_idx[sample_idx]
            order = np.ascontiguousarray(order, dtype=np.int64)
            perturb = None
            if perturbed:
                masks, mask_start, noise = draw_epoch_randomness(
                    random_state,
                    n_samples,
                    layout.units,
                    rates,
                    cfg.input_noise,
                    dtype,
                )
                perturb = K.Perturb(
                    masks, mask_start, noise, bool(cfg.input_noise > 0), drop_acts
                )
            loss_sum, t, _ = run_epoch(
                params,
                grad,
                net,
                Xk,
                Y,
                sw,
                order,
                batch_size,
                buffers,
                pen,
                kernel_optimizer(state, dtype),
                state.t,
                group_alpha,
                bn,
                perturb,
            )
            if bn is not None and not np.isfinite(running).all():
                loss_sum = np.nan
            if not (np.isfinite(loss_sum) and np.isfinite(params).all()):
                diverged_in = hist.n_iter + 1
                if hist.n_iter == 0:
                    _restore(params, running, start_params, start_running)
                    raise non_finite_error(cfg, diverged_in)
                if not early_stopping:
                    _restore(params, running, lowest[2], lowest[3])
                break
            state.t = t
            hist.n_iter += 1
            hist.loss = loss_sum / n_samples
            if hist.loss < lowest[0] and not early_stopping:
                lowest = (
                    hist.loss,
                    hist.n_iter,
                    params.copy(),
                    None if running is None else running.copy(),
                )
            hist.t += n_samples
            hist.loss_curve.append(hist.loss)
            if cfg.verbose:
                print(f"Iteration {hist.n_iter}, loss = {hist.loss:.8f}")

            update_no_improvement_count(cfg, hist, val, model, params, running)
            state.iteration_ends(hist.t)

            if hist.no_improvement_count > cfg.n_iter_no_change:
                if early_stopping:
                    what = (
                        "Validation loss"
                        if cfg.early_stopping_metric == "loss"
                        else "Validation score"
                    )
                    msg = (
                        f"{what} did not improve more than tol={cfg.tol:f} "
                        f"for {cfg.n_iter_no_change} consecutive epochs."
                    )
                else:
                    msg = (
                        f"Training loss did not improve more than tol={cfg.tol:f} "
                        f"for {cfg.n_iter_no_change} consecutive epochs."
                    )
                if state.trigger_stopping(msg, cfg.verbose):
                    break
                hist.no_improvement_count = 0

            if incremental:
                break
            if hist.n_iter == cfg.max_iter:
                # scikit-learn's sentence first, so warning filters still match.
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({cfg.max_iter}) "
                    "reached and the optimization hasn't converged yet. "
                    f"Last training loss {hist.loss:.6g}; to fix: increase max_iter "
                    f"(e.g. max_iter={2 * cfg.max_iter}) or tol, or set "
                    "early_stopping=True to stop on a validation split.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")

    if early_stopping:
        params[:] = hist.best_params
        if running is not None and hist.best_running is not None:
            running[:] = hist.best_running
    if diverged_in is not None:
        _after_divergence(cfg, model, X, params, running, start_params, start_running)
        if early_stopping:
            kept = "the weights of the best validation epoch were restored"
        else:
            kept = (
                f"the weights of epoch {lowest[1]} of this call, its lowest "
                f"training loss ({lowest[0]:.6g}), were restored"
            )
        warnings.warn(
            f"Training diverged: the loss became non-finite in epoch {diverged_in} "
            f"(solver={cfg.solver!r}, learning_rate_init="
            f"{cfg.learning_rate_init!r}). Training stopped and {kept}. Lower "
            "learning_rate_init or scale X.",
            ConvergenceWarning,
        )
    return hist


def _restore(params, running, saved_params, saved_running):
    params[:] = saved_params
    if running is not None:
        running[:] = saved_running


def _check_batch_norm_batches(batch_size, n_samples):
    """Refuse a batch of one row with batch normalization; warn of a last one.

    A batch of one row has a zero variance: batch normalization then outputs
    the shift alone and drags the running variance towards zero (PyTorch
    refuses such a batch too).
    """
    if batch_size == 1:
        raise ValueError(
            "batch_norm=True needs batches of at least 2 samples; got an "
            "effective batch_size of 1 (batches of 1 sample; batch_size is "
            f"clipped to the {n_samples} training rows): a batch of one row has "
            "no variance to normalize by. Use batch_size >= 2 with enough rows, "
            "or batch_norm=False."
        )
    if n_samples % batch_size == 1:
        warnings.warn(
            f"batch_norm=True with batch_size={batch_size} and {n_samples} "
            "training rows leaves a last batch of one row in every epoch; its "
            "variance is zero. Choose a batch_size that does not leave one row "
            "over.",
            UserWarning,
        )


def _after_divergence(cfg, model, X, params, running, start_params, start_running):
    """Raise when the restored model's predictions on ``X`` are not finite."""
    with np.errstate(all="ignore"):
        raw = model.forward(X)
    if not np.isfinite(raw).all():
        _restore(params, running, start_params, start_running)
        raise non_finite_error(cfg)


def non_finite_error(cfg, epoch=None):
    """scikit-learn's error for non-finite weights, with what skreg knows.

    scikit-learn's sentence comes first, so code matching it still does.
    """
    where = "" if epoch is None else f" in epoch {epoch} of this call"
    return ValueError(
        "Solver produced non-finite parameter weights. The input data may "
        "contain large values and need to be preprocessed. (skreg: training "
        f"diverged{where} with solver={cfg.solver!r}, learning_rate_init="
        f"{cfg.learning_rate_init!r}; the weights were left at their values "
        "before this call. Lower learning_rate_init, or scale X, e.g. with "
        "StandardScaler.)"
    )
