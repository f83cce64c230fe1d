"""
The effect of dropout, batch normalization and input noise
==========================================================

Besides the ``alpha`` / ``l1_ratio`` penalty, skreg's MLPs offer the usual
stochastic regularizers of deep-learning libraries:

* ``dropout``: every hidden unit is zeroed with this probability during
  training (inverted dropout: the kept ones are scaled up);
* ``input_dropout``: the same on the input features;
* ``batch_norm=True``: hidden pre-activations are normalized over the batch,
  then scaled and shifted by learned parameters;
* ``input_noise``: Gaussian noise of this standard deviation is added to the
  training inputs (data augmentation).

A wide network trained on only 300 digits overfits: its training loss goes
to zero while the validation loss stays high.  Each panel shows the training
(blue) and validation (orange) loss of one variant; the gap between them is
the overfitting.  All variants use the same seed, learning rate and epochs.
The training loss is the one the optimizer sees: on dropped-out or noisy
batches, and including the penalty for the ``alpha`` variant; the validation
loss is the plain data loss of the whole network on the held-out rows.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skreg import MLPClassifier

threadpool_limits(1)
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=300, random_state=0
)
common = dict(
    hidden_layer_sizes=(256,),
    alpha=1e-5,
    learning_rate_init=0.01,
    max_iter=120,
    # A validation split records validation_loss_curve_; never stopping early
    # keeps the curves complete (the best epoch's weights are still restored).
    early_stopping=True,
    early_stopping_metric="loss",
    n_iter_no_change=120,
    validation_fraction=0.2,
    random_state=0,
)
variants = {
    "no regularization": {},
    "dropout=0.5": {"dropout": 0.5},
    "batch_norm=True": {"batch_norm": True},
    "input_noise=0.3": {"input_noise": 0.3},
    "input_dropout=0.2": {"input_dropout": 0.2},
    "alpha=0.01, l1_ratio=0.5": {"alpha": 0.01, "l1_ratio": 0.5},
}

# %%
# Fit every variant
# -----------------

models = {}
for name, extra in variants.items():
    model = MLPClassifier(**{**common, **extra}).fit(X_train, y_train)
    models[name] = model
    print(
        f"{name:<24} train loss {model.loss_curve_[-1]:.4f}  best validation loss "
        f"{model.best_validation_loss_:.3f}  test accuracy "
        f"{model.score(X_test, y_test):.3f}"
    )

# %%
# Training and validation loss of each variant
# --------------------------------------------

fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True, sharey=True)
for ax, (name, model) in zip(axes.ravel(), models.items(), strict=True):
    epochs = np.arange(1, len(model.loss_curve_) + 1)
    ax.semilogy(epochs, model.loss_curve_, color="C0", label="training loss")
    ax.semilogy(
        epochs, model.validation_loss_curve_, color="C1", label="validation loss"
    )
    ax.set_title(
        f"{name}\ntest accuracy {model.score(X_test, y_test):.3f}", fontsize=10
    )
    ax.grid(True, which="major", alpha=0.3)
for ax in axes[-1]:
    ax.set_xlabel("epoch")
for ax in axes[:, 0]:
    ax.set_ylabel("loss (log scale)")
axes[0, 0].legend(fontsize=8)
fig.tight_layout()

# %%
# Test accuracy
# -------------
# On one split and one seed the differences are small and noisy; what the
# regularizers change reliably is the gap between training and validation
# loss above.  Tune the rates like ``alpha``, by cross-validation.

fig, ax = plt.subplots(figsize=(7, 3.5))
names = list(models)
accuracy = [models[name].score(X_test, y_test) for name in names]
ax.barh(names, accuracy, color="C0")
ax.set_xlim(min(accuracy) - 0.02, 1.0)
ax.set_xlabel("test accuracy (1497 held-out digits)")
ax.invert_yaxis()
fig.tight_layout()
plt.show()
