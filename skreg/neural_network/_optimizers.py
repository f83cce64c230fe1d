"""Optimizer state and learning-rate schedules of the stochastic solvers.

The per-batch arithmetic lives in the kernels (:func:`skreg._kernels.mlp.sgd_step`,
:func:`skreg._kernels.mlp.adam_step`); these classes keep what survives between
epochs (and between ``partial_fit`` calls): moment vectors, the step count and
the schedule of the learning rate, with scikit-learn's semantics.
"""

import numpy as np


class _State:
    """What every optimizer state keeps: the learning rate and the step count."""

    def __init__(self, learning_rate_init):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.t = 0

    def astype(self, dtype):
        """Cast the state vectors to ``dtype`` (the dtype of the current data)."""
        for name in self._vectors:
            setattr(self, name, getattr(self, name).astype(dtype, copy=False))

    def iteration_ends(self, time_step):
        """No epoch-level schedule (constant learning rate)."""

    def trigger_stopping(self, msg, verbose):
        """Stop when the stopping criterion fires."""
        if verbose:
            print(msg + " Stopping.")
        return True


class SGDState(_State):
    """Velocity and learning-rate schedule of momentum SGD.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : dtype
        Dtype of the parameters.
    learning_rate_init, lr_schedule, momentum, nesterov, power_t
        As the estimator parameters of the same meaning.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._optimizers import SGDState
    >>> s = SGDState(3, np.float64, 0.1, "invscaling", 0.9, True, 0.5)
    >>> s.iteration_ends(3)
    >>> s.learning_rate
    0.05
    """

    solver = "sgd"
    _vectors = ("velocity",)

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        lr_schedule,
        momentum,
        nesterov,
        power_t,
    ):
        super().__init__(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def iteration_ends(self, time_step):
        """Update the learning rate after an epoch (``invscaling`` only)."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Stop, or divide the learning rate by 5 with the adaptive schedule."""
        if self.lr_schedule != "adaptive":
            return super().trigger_stopping(msg, verbose)
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False


class AdamState(_State):
    """First and second moments and step count of Adam.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._optimizers import AdamState
    >>> s = AdamState(2, np.float32, 1e-3, 0.9, 0.999, 1e-8)
    >>> s.m.dtype, s.t
    (dtype('float32'), 0)
    """

    solver = "adam"
    _vectors = ("m", "v")

    def __init__(self, n_params, dtype, learning_rate_init, beta_1, beta_2, epsilon):
        super().__init__(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)


class RMSpropState(_State):
    """Running mean of squared gradients of RMSprop.

    ``v <- rho * v + (1 - rho) * g**2`` and ``w <- w - lr * g / (sqrt(v) +
    epsilon)`` (PyTorch's ``RMSprop`` without momentum, Keras's with
    ``momentum=0``); the learning rate is constant.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._optimizers import RMSpropState
    >>> s = RMSpropState(2, np.float64, 1e-3, 0.9, 1e-8)
    >>> s.v.shape, s.rho
    ((2,), 0.9)
    """

    solver = "rmsprop"
    _vectors = ("v",)

    def __init__(self, n_params, dtype, learning_rate_init, rho, epsilon):
        super().__init__(learning_rate_init)
        self.rho = rho
        self.epsilon = epsilon
        self.v = np.zeros(n_params, dtype=dtype)
