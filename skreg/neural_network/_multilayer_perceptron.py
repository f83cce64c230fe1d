"""MLPClassifier and MLPRegressor: scikit-learn's contract, numba epochs, L1."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels

from skreg._fast_validation import ParamsAtDefaultMixin, validate_data
from skreg._sklearn import (
    Interval,
    Options,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
)
from skreg._validation import check_non_negative_sample_weight
from skreg.neural_network._lbfgs import fit_lbfgs
from skreg.neural_network._network import Layout, init_coefs, predict_raw
from skreg.neural_network._stochastic import (
    History,
    Model,
    TrainingConfig,
    fit_stochastic,
    non_finite_error,
)

_STOCHASTIC_SOLVERS = ("sgd", "adam", "rmsprop")

# Options that only the stochastic solvers can train (parameter, default).
_STOCHASTIC_ONLY = (
    ("dropout", 0.0),
    ("input_dropout", 0.0),
    ("batch_norm", False),
    ("input_noise", 0.0),
    ("weight_decay", 0.0),
    ("input_group_alpha", 0.0),
)

_COMMON_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam', 'rmsprop'}, default='adam'
        Weight optimizer: scipy's L-BFGS-B, minibatch SGD with momentum,
        Adam, or RMSprop (``v <- rho * v + (1 - rho) * g**2``,
        ``w <- w - learning_rate_init * g / (sqrt(v) + epsilon)``, constant
        learning rate).  Minibatch epochs run in one compiled numba call each.

    alpha : float, default=0.0001
        Strength of the penalty on the weights (not the intercepts), divided
        by the sum of sample weights of the batch when added to the loss.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of 'sgd' (scikit-learn's semantics).

    learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations ('lbfgs').

    shuffle : bool, default=True
        Whether to shuffle the rows before every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffles and the validation split,
        drawn in the same order as scikit-learn draws them.

    tol : float, default=1e-4
        Tolerance of the stopping criteria.

    verbose : bool, default=False
        Print progress messages.

    warm_start : bool, default=False
        Reuse the previous solution as initialization.  Unlike
        scikit-learn, the optimizer state (SGD velocity, Adam and RMSprop
        moments and step count, learning rate) is kept too, as it is across
        ``partial_fit`` calls, when the solver is unchanged.  A warm-started
        ``fit`` or a ``partial_fit`` after ``hidden_layer_sizes`` changed
        raises ``ValueError`` naming ``hidden_layer_sizes`` (scikit-learn
        silently keeps the old network): set ``warm_start=False`` (or call
        ``fit``) to train a new network of the new shape.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd'.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the
        validation score (or loss, see ``early_stopping_metric``) stops
        improving; the weights of the best epoch are restored at the end
        (stochastic solvers).

    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of Adam and RMSprop.

    n_iter_no_change : int or np.inf, default=10
        Number of epochs without ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    l1_ratio : float, default=0.0
        Share of L1 in the elastic-net penalty
        ``alpha / n_b * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``.
        The L1 part is applied as a proximal soft-threshold after every
        update of 'sgd' (threshold ``lr * alpha * l1_ratio / n_b``) and of
        'adam' (per coordinate, ``lr_t * alpha * l1_ratio / n_b /
        (sqrt(v_j) + epsilon)``), so weights become exactly zero.  Not
        available with 'lbfgs'.  ``l1_ratio=0`` is scikit-learn's model.

    dropout : float or tuple of float, default=0.0
        Inverted-dropout rate of the hidden layers' outputs, one rate for all
        hidden layers or one per hidden layer, each in [0, 1).  During
        training every unit is zeroed with this probability and the kept ones
        are scaled by ``1 / (1 - rate)``; prediction uses the whole network.
        Masks are drawn from ``random_state``.  Stochastic solvers only.

    input_dropout : float, default=0.0
        Inverted-dropout rate of the input features, in [0, 1).  Stochastic
        solvers only.

    batch_norm : bool, default=False
        Normalize every hidden pre-activation over the batch, then scale and
        shift it by learned parameters (``batch_norm_scales_``,
        ``batch_norm_shifts_``), before the activation.  Prediction uses the
        running statistics (``batch_norm_running_means_``,
        ``batch_norm_running_vars_``); they carry over ``partial_fit`` and
        ``warm_start``.  The variance gets ``1e-5`` added before the square
        root.  Statistics are unweighted means over the batch rows.
        Stochastic solvers only.  A batch of one row has no variance: an
        effective ``batch_size`` of 1 raises ``ValueError``, and a last batch
        of one row in every epoch warns.

    batch_norm_momentum : float, default=0.9
        Running statistics move as ``running = batch_norm_momentum * running
        + (1 - batch_norm_momentum) * batch_statistic`` (Keras's convention;
        PyTorch's ``momentum=0.1`` is ``batch_norm_momentum=0.9``), in [0, 1).

    early_stopping_metric : {'score', 'loss'}, default='score'
        With ``early_stopping=True``: 'score' stops on the validation score
        (accuracy or R^2, scikit-learn's rule); 'loss' stops when the
        validation data loss (the training loss without the penalty, on the
        held-out rows) has not decreased by ``tol`` for ``n_iter_no_change``
        epochs.  Either way the best epoch's weights are restored.

    rho : float, default=0.9
        Decay rate of RMSprop's mean of squared gradients, in [0, 1).

    weight_decay : float, default=0.0
        Decoupled weight decay: before every update the weights (not the
        intercepts) shrink as ``W <- (1 - learning_rate * weight_decay) * W``
        (AdamW with 'adam'; plain decay with 'sgd' and 'rmsprop').  Unlike
        ``alpha``, the decay is not part of the loss, so Adam's and RMSprop's
        per-coordinate scaling does not apply to it.  Stochastic solvers only.

    input_noise : float, default=0.0
        Standard deviation of the Gaussian noise added to every training
        batch's inputs (data augmentation); none at prediction.  Drawn from
        ``random_state``.  Stochastic solvers only.

    input_group_alpha : float, default=0.0
        Strength of the group-lasso penalty ``input_group_alpha / n_b *
        sum_j ||coefs_[0][j, :]||_2`` on the first layer's rows, one group per
        input feature, applied by a proximal (block soft-threshold) step after
        every update, so whole input features get exactly zero weights and
        drop out of the model (see ``feature_importances_`` and
        ``selected_features_``).  With 'sgd' the threshold of every row is
        ``lr * input_group_alpha / n_b``; with 'adam' and 'rmsprop' it is
        divided by ``sqrt(mean(v_row)) + epsilon``, the row's root-mean-square
        second moment.  Stochastic solvers only.
"""

_COMMON_ATTRS_DOC = """
    loss_ : float
        The current loss.

    best_loss_ : float or None
        Minimum loss reached by the stochastic solver (None with early
        stopping).

    loss_curve_ : list of float
        Loss after each epoch (stochastic solvers).

    validation_scores_ : list of float or None
        Validation score after each epoch when ``early_stopping=True``.

    best_validation_score_ : float or None
        Validation score of the restored epoch when ``early_stopping=True``
        (the best score with ``early_stopping_metric='score'``).

    validation_loss_curve_ : list of float or None
        Validation data loss after each epoch whenever there is a validation
        split (``early_stopping=True``), None otherwise.

    best_validation_loss_ : float or None
        Validation loss of the restored epoch when ``early_stopping=True``
        (the lowest with ``early_stopping_metric='loss'``).

    feature_importances_ : ndarray of shape (n_features_in_,)
        L2 norm of every row of ``coefs_[0]``: how much each input feature
        feeds the network; exactly zero for features removed by
        ``input_group_alpha``.  Makes
        :class:`sklearn.feature_selection.SelectFromModel` work.

    selected_features_ : ndarray of int
        Indices of the input features with non-zero importance.

    batch_norm_scales_, batch_norm_shifts_ : list of ndarray
        Learned scale and shift of every hidden layer (``batch_norm=True``
        only).

    batch_norm_running_means_, batch_norm_running_vars_ : list of ndarray
        Running statistics of every hidden layer's pre-activations, used at
        prediction (``batch_norm=True`` only).

    t_ : int
        Number of training samples seen by the solver.

    coefs_ : list of ndarray
        Weight matrices; ``coefs_[i]`` has shape ``(units[i], units[i+1])``
        and the dtype of the training data (float32 or float64).

    intercepts_ : list of ndarray
        Bias vectors.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.

    n_iter_ : int
        Number of epochs (iterations for 'lbfgs') run.

    n_layers_ : int
        Number of layers.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation.
"""


_BATCH_NORM_ATTRS = (
    "batch_norm_scales_",
    "batch_norm_shifts_",
    "batch_norm_running_means_",
    "batch_norm_running_vars_",
)


def _dropout_rates(dropout, n_hidden):
    """One dropout rate per hidden layer, validated."""
    rates = np.asarray(dropout, dtype=float)
    if rates.ndim == 0:
        rates = np.full(n_hidden, float(rates))
    elif rates.ndim != 1 or rates.shape[0] != n_hidden:
        raise ValueError(
            f"dropout must be a float or have one rate per hidden layer "
            f"({n_hidden}), got {dropout!r}."
        )
    if np.any(~np.isfinite(rates)) or np.any((rates < 0) | (rates >= 1)):
        raise ValueError(f"dropout rates must be in [0, 1), got {dropout!r}.")
    return [float(r) for r in rates]


def _split(flat, sizes):
    """Views of consecutive blocks of ``flat``."""
    return np.split(flat, np.cumsum(sizes)[:-1]) if sizes else []


def _check_partial_fit_classes(est, classes):
    """Set ``classes_`` on the first ``partial_fit`` call; True if it was."""
    if getattr(est, "classes_", None) is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is not None:
        if getattr(est, "classes_", None) is not None:
            if not np.array_equal(est.classes_, unique_labels(classes)):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {est.classes_!r}"
                )
        else:
            est.classes_ = unique_labels(classes)
            return True
    return False


class _BaseMLP(ParamsAtDefaultMixin, BaseEstimator):
    """Shared plumbing of the two estimators (not public)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam", "rmsprop"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="left")],
        "early_stopping_metric": [StrOptions({"score", "loss"})],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "input_group_alpha": [Interval(Real, 0, None, closed="left")],
    }

    def _initialize(self, Y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self.coefs_, self.intercepts_ = init_coefs(
            layer_units, self.activation, self._random_state, dtype
        )
        self._best_params = None
        self._best_running = None
        for name in _BATCH_NORM_ATTRS:
            if hasattr(self, name):
                delattr(self, name)
        if self.batch_norm:
            hidden = layer_units[1:-1]
            self.batch_norm_scales_ = [np.ones(h, dtype=dtype) for h in hidden]
            self.batch_norm_shifts_ = [np.zeros(h, dtype=dtype) for h in hidden]
            self.batch_norm_running_means_ = [np.zeros(h, dtype=dtype) for h in hidden]
            self.batch_norm_running_vars_ = [np.ones(h, dtype=dtype) for h in hidden]
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.validation_loss_curve_ = []
                self.best_validation_loss_ = np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
                self.validation_loss_curve_ = None
                self.best_validation_loss_ = None

    def _check_options(self, n_hidden):
        """Cross-parameter checks; returns the dropout rate of every hidden layer."""
        if self.solver == "lbfgs" and self.l1_ratio > 0:
            raise ValueError(
                f"l1_ratio={self.l1_ratio!r} > 0 is not supported with "
                "solver='lbfgs': the L1 penalty is not differentiable. Use "
                "solver='sgd' or solver='adam', or set l1_ratio=0."
            )
        rates = _dropout_rates(self.dropout, n_hidden)
        if self.solver == "lbfgs":
            for name, default in _STOCHASTIC_ONLY:
                value = getattr(self, name)
                if np.any(np.asarray(value) != default):
                    raise ValueError(
                        f"{name}={value!r} is not supported with solver='lbfgs' "
                        "(a full-batch deterministic solver). Use solver='adam', "
                        f"'sgd' or 'rmsprop', or set {name}={default!r}."
                    )
        return rates

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self.hidden_layer_sizes
        if not hasattr(hidden, "__iter__"):
            hidden = [hidden]
        hidden = list(hidden)
        if np.any(np.array(hidden) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        self._dropout_rates = self._check_options(len(hidden))
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        if not first_pass:
            fitted = [int(c.shape[1]) for c in self.coefs_[:-1]]
            if fitted != [int(h) for h in hidden]:
                how = (
                    "call fit to train a new network"
                    if incremental
                    else "set warm_start=False to train a new network"
                )
                raise ValueError(
                    f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from "
                    f"the fitted network's hidden layers {tuple(fitted)}; "
                    "warm_start and partial_fit continue the fitted network and "
                    f"cannot change its shape. Either {how}, or set "
                    f"hidden_layer_sizes={tuple(fitted)!r}."
                )
        if not first_pass and self.batch_norm != hasattr(self, "batch_norm_scales_"):
            raise ValueError(
                f"batch_norm={self.batch_norm!r} differs from the fitted model; "
                "warm_start and partial_fit cannot add or remove batch "
                "normalization. Fit from scratch (warm_start=False)."
            )
        X, y, class_sw = self._validate_input(X, y, incremental, reset=first_pass)
        n_samples, n_features = X.shape
        self._unit_weights = sample_weight is None and class_sw is None
        if sample_weight is None:
            sample_weight = np.ones(n_samples, dtype=X.dtype)
        else:
            sample_weight = _check_sample_weight(sample_weight, X)
            check_non_negative_sample_weight(sample_weight)
        if class_sw is not None:
            sample_weight = sample_weight * class_sw.astype(sample_weight.dtype)
        Y_raw = y.reshape((-1, 1)) if y.ndim == 1 else y
        self.n_outputs_ = Y_raw.shape[1]
        layer_units = [n_features] + hidden + [self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y_raw, layer_units, X.dtype)

        layout = Layout(layer_units)
        dtype = X.dtype
        n_base = layout.n_params
        n_hidden = int(sum(hidden))
        params = np.empty(n_base + (2 * n_hidden if self.batch_norm else 0), dtype)
        params[:n_base] = layout.pack(self.coefs_, self.intercepts_, dtype)
        running = None
        if self.batch_norm:
            params[n_base:] = np.concatenate(
                self.batch_norm_scales_ + self.batch_norm_shifts_
            )
            running = np.concatenate(
                self.batch_norm_running_means_ + self.batch_norm_running_vars_
            ).astype(dtype)
        # coefs_, intercepts_ and the batch-norm lists are views of the flat
        # vectors the kernels update, so validation scores during training see
        # the current model.
        self.coefs_, self.intercepts_ = layout.unpack(params)
        if self.batch_norm:
            sizes = [n_hidden, n_hidden]
            scales, shifts = _split(params[n_base:], sizes)
            means, variances = _split(running, sizes)
            self.batch_norm_scales_ = _split(scales, hidden)
            self.batch_norm_shifts_ = _split(shifts, hidden)
            self.batch_norm_running_means_ = _split(means, hidden)
            self.batch_norm_running_vars_ = _split(variances, hidden)
        best = getattr(self, "_best_params", None)
        if best is None or best.shape != params.shape:
            self._best_params = params.copy()
            self._best_running = None if running is None else running.copy()
        elif best.dtype != dtype:
            self._best_params = best.astype(dtype)
        Y = np.ascontiguousarray(Y_raw, dtype=dtype)
        before = params.copy()
        if self.solver in _STOCHASTIC_SOLVERS:
            history = fit_stochastic(
                TrainingConfig.from_estimator(self),
                History.resume(self),
                Model(
                    partial(self._forward, check_input=False),
                    self._score_raw,
                    self._validation_target,
                ),
                self._random_state,
                X,
                Y,
                Y_raw,
                sample_weight,
                incremental,
                layout,
                params,
                running,
            )
            history.store(self)
        else:
            fit_lbfgs(self, X, Y, sample_weight, layout, params)

        if not np.isfinite(params).all():
            params[:] = before
            raise non_finite_error(TrainingConfig.from_estimator(self))
        self.feature_importances_ = np.sqrt(
            np.einsum("ij,ij->i", self.coefs_[0], self.coefs_[0])
        )
        self.selected_features_ = np.flatnonzero(self.feature_importances_)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data; float32 data trains a float32 network.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real targets (regression).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, handled as scikit-learn does, except that negative
            weights raise ``ValueError`` (in every skreg estimator).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _forward(self, X, check_input=True):
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        batch_norm = None
        if hasattr(self, "batch_norm_scales_"):
            batch_norm = tuple(getattr(self, name) for name in _BATCH_NORM_ATTRS)
        return predict_raw(
            self.coefs_,
            self.intercepts_,
            X,
            self.activation,
            self.out_activation_,
            batch_norm,
        )

    def _predict(self, X, check_input=True):
        return self._predict_from_raw(self._forward(X, check_input=check_input))

    def _score(self, X, y, sample_weight=None):
        return self._score_raw(self._forward(X, check_input=False), y, sample_weight)

    def _score_raw(self, raw, y, sample_weight):
        """Score of the output activations ``raw`` (no second forward pass)."""
        y_pred = self._predict_from_raw(raw)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier with elastic-net weights.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, attributes, random draws and training trajectory, with the
    epochs of 'sgd' and 'adam' compiled by numba, plus ``l1_ratio`` for
    sparse weights.  Multiclass (softmax) and multilabel (logistic outputs).

    Parameters
    ----------"""
        + _COMMON_PARAMS_DOC
        + """
    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, ``{label: weight}`` (a list of such dicts for
        multilabel targets) or 'balanced' (``n_samples / (n_classes *
        np.bincount(y))``), multiplied into ``sample_weight``: fitting with
        ``class_weight`` is fitting with ``sample_weight`` times the weight of
        each row's class.  'balanced' is refused by ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels of each output."""
        + _COMMON_ATTRS_DOC
        + """
    See Also
    --------
    MLPRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : The reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skreg import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), alpha=1.0, l1_ratio=0.5,
    ...                     max_iter=30, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> sparsity = np.mean(clf.coefs_[0] == 0)  # fraction of exact zeros
    >>> bool(sparsity > 0.2)
    True
    """
    )

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        l1_ratio=0.0,
        dropout=0.0,
        input_dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
        early_stopping_metric="score",
        rho=0.9,
        weight_decay=0.0,
        input_noise=0.0,
        input_group_alpha=0.0,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.l1_ratio = l1_ratio
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.batch_norm = batch_norm
        self.batch_norm_momentum = batch_norm_momentum
        self.early_stopping_metric = early_stopping_metric
        self.rho = rho
        self.weight_decay = weight_decay
        self.input_noise = input_noise
        self.input_group_alpha = input_group_alpha
        self.class_weight = class_weight

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    # The loss is fixed for classification; kept as an attribute-like
    # property (not a parameter) because the drivers read ``est.loss``.
    loss = "log_loss"

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _stratify_validation(self):
        # scikit-learn stratifies only single-output (binary) problems
        return self.n_outputs_ == 1

    def _validation_target(self, Y_raw):
        return self._label_binarizer.inverse_transform(Y_raw)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)

        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        class_sw = None
        if self.class_weight is not None:
            if incremental and isinstance(self.class_weight, str):
                raise ValueError(
                    f"class_weight={self.class_weight!r} is not supported by "
                    "partial_fit: the class frequencies of one batch are not "
                    "those of the data. Pass a dict of weights instead."
                )
            class_sw = compute_sample_weight(self.class_weight, y)
        y = self._label_binarizer.transform(y).astype(bool)
        return X, y, class_sw

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        check_is_fitted(self)
        return self._predict(X)

    _score_function = staticmethod(accuracy_score)

    def _predict_from_raw(self, y_pred):
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit; required on the first.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        if _check_partial_fit_classes(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, ordered as in ``classes_``.
        """
        check_is_fitted(self)
        y_pred = self._forward(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor with elastic-net weights.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor` (squared error
    or Poisson loss, single or multiple outputs) with numba-compiled epochs and
    ``l1_ratio`` for sparse weights.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss; 'poisson' uses an exponential output activation.
"""
        + _COMMON_PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _COMMON_ATTRS_DOC
        + """
    See Also
    --------
    MLPClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : The reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_regression
    >>> from skreg import MLPRegressor
    >>> X, y = make_regression(n_samples=300, n_features=20, n_informative=5,
    ...                        noise=1.0, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(16,), solver="sgd",
    ...                    learning_rate_init=0.01, alpha=5.0, l1_ratio=0.9,
    ...                    max_iter=300, random_state=0).fit(X, y / 100)
    >>> reg.score(X, y / 100) > 0.9
    True
    >>> bool(np.mean(reg.coefs_[0] == 0) > 0.3)  # fraction of exact zeros
    True
    """
    )

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        l1_ratio=0.0,
        dropout=0.0,
        input_dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.9,
        early_stopping_metric="score",
        rho=0.9,
        weight_decay=0.0,
        input_noise=0.0,
        input_group_alpha=0.0,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.l1_ratio = l1_ratio
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.batch_norm = batch_norm
        self.batch_norm_momentum = batch_norm_momentum
        self.early_stopping_metric = early_stopping_metric
        self.rho = rho
        self.weight_decay = weight_decay
        self.input_noise = input_noise
        self.input_group_alpha = input_group_alpha

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _stratify_validation(self):
        return False

    def _validation_target(self, Y_raw):
        return Y_raw

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y, None

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        return self._predict(X)

    _score_function = staticmethod(r2_score)

    def _predict_from_raw(self, y_pred):
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
