"""Codes and argument groups of the MLP engine, without numba.

The drivers build these before the first fit has to load numba (and the
kernels of :mod:`skreg._kernels.mlp`, which take them): importing an
estimator module imports this module only.

Codes used by every kernel:

- hidden activation: ``IDENTITY=0, LOGISTIC=1, TANH=2, RELU=3``;
- output activation: the same plus ``SOFTMAX=4, EXP=5``;
- loss: ``SQUARED=0, LOG_LOSS=1, BINARY_LOG_LOSS=2, POISSON=3``.

Options that are off are passed to the kernels as ``None``; numba prunes
``if bn is not None`` branches on an argument typed None, so a default fit
compiles none of the toolkit's code.  The optimizer and the input layout are
told apart by their named-tuple type (dispatch through ``overload``).
"""

from typing import NamedTuple

import numpy as np

IDENTITY, LOGISTIC, TANH, RELU, SOFTMAX, EXP = 0, 1, 2, 3, 4, 5
SQUARED, LOG_LOSS, BINARY_LOG_LOSS, POISSON = 0, 1, 2, 3


class _Code(NamedTuple):
    """An activation or loss code that numba sees as a type of its own.

    The kernels accept a plain ``int`` code (every branch is compiled, the
    choice is made at run time) or an instance of a subclass (the kernel is
    compiled for that code alone).  The estimators pass the types: a default
    fit then compiles the ReLU and softmax loops, not all six activations.
    ``CODE`` is the integer code.
    """


def _code_type(name, code):
    # module-level names equal to the class names: numba's cache pickles the
    # types by reference
    return type(name, (_Code,), {"CODE": code, "__module__": __name__})


Identity = _code_type("Identity", IDENTITY)
Logistic = _code_type("Logistic", LOGISTIC)
Tanh = _code_type("Tanh", TANH)
Relu = _code_type("Relu", RELU)
Softmax = _code_type("Softmax", SOFTMAX)
Exp = _code_type("Exp", EXP)
SquaredLoss = _code_type("SquaredLoss", SQUARED)
LogLoss = _code_type("LogLoss", LOG_LOSS)
BinaryLogLoss = _code_type("BinaryLogLoss", BINARY_LOG_LOSS)
PoissonLoss = _code_type("PoissonLoss", POISSON)

# code -> its type's instance
ACTIVATIONS = (Identity(), Logistic(), Tanh(), Relu(), Softmax(), Exp())
LOSSES = (SquaredLoss(), LogLoss(), BinaryLogLoss(), PoissonLoss())


def code_of(code):
    """The integer code of ``code`` (an ``int`` or a code type's instance).

    Examples
    --------
    >>> from skreg._kernels.mlp_types import RELU, Relu, code_of
    >>> code_of(Relu()), code_of(RELU)
    (3, 3)
    """
    return getattr(code, "CODE", code)


class Network(NamedTuple):
    """Shapes and codes of a network (see the module docstring).

    ``units``: layer sizes; ``coef_start`` / ``intercept_start``: where each
    layer's weights / intercepts start in ``params``; ``n_coef``: number of
    weights (``params[:n_coef]``); ``hidden`` / ``out`` / ``loss``: activation
    and loss codes, as ``int`` or as code types (see :class:`_Code`; the
    estimators pass types); ``clip_eps``: probability clipping of the log
    losses.
    """

    units: np.ndarray
    coef_start: np.ndarray
    intercept_start: np.ndarray
    n_coef: int
    hidden: object
    out: object
    loss: object
    clip_eps: float


class Work(NamedTuple):
    """Per-batch work buffers (flat, see the module docstring).

    ``act_start[l]``: where layer ``l``'s block starts in ``acts`` and
    ``deltas`` (it depends on the batch size the buffers were made for).
    """

    x_buf: np.ndarray
    y_buf: np.ndarray
    sw_buf: np.ndarray
    acts: np.ndarray
    deltas: np.ndarray
    act_start: np.ndarray


class CSR(NamedTuple):
    """A CSR input matrix as its three arrays (int64 indices)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray


class Penalty(NamedTuple):
    """Penalties of the weights, in the parameters' dtype.

    ``alpha`` and ``l1_ratio``: the elastic net (see :func:`loss_grad`);
    ``weight_decay``: the decoupled decay applied before each step.  (The
    group lasso's ``group_alpha`` is an argument of its own, None when off.)
    """

    alpha: float
    l1_ratio: float
    weight_decay: float


class SGD(NamedTuple):
    """Momentum SGD: its velocity and hyper-parameters."""

    velocity: np.ndarray
    lr: float
    momentum: float
    nesterov: bool


class Adam(NamedTuple):
    """Adam: first and second moments and hyper-parameters."""

    m: np.ndarray
    v: np.ndarray
    lr: float
    beta_1: float
    beta_2: float
    epsilon: float


class RMSprop(NamedTuple):
    """RMSprop: mean of squared gradients and hyper-parameters."""

    v: np.ndarray
    lr: float
    rho: float
    epsilon: float


class BatchNorm(NamedTuple):
    """Batch normalization of the hidden pre-activations.

    The scales of all ``n_hidden`` hidden units are ``params[n_base:n_base +
    n_hidden]`` and the shifts follow; ``running`` holds the running means
    then variances, ``hid_start[l]`` where hidden layer ``l``'s units start;
    ``std`` and ``zhat`` are work buffers of the backward pass.
    """

    n_base: int
    n_hidden: int
    hid_start: np.ndarray
    running: np.ndarray
    std: np.ndarray
    zhat: np.ndarray
    momentum: float
    eps: float


class Perturb(NamedTuple):
    """Dropout masks and input noise of one epoch, drawn in NumPy.

    ``masks`` holds the inverted-dropout multipliers of every row position of
    the epoch for each layer with a rate (layer ``l``'s block at
    ``mask_start[l]``, ``-1`` when the layer has no dropout; layer 0 is the
    input); ``noise`` the Gaussian input noise (used when ``use_noise``);
    ``drop_acts`` the buffer of the masked hidden activations.
    """

    masks: np.ndarray
    mask_start: np.ndarray
    noise: np.ndarray
    use_noise: bool
    drop_acts: np.ndarray
