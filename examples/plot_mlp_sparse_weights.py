"""
Sparse vs dense first-layer weights of an MLP (L1 vs L2)
========================================================

:class:`skreg.MLPClassifier` adds ``l1_ratio`` to scikit-learn's MLP: the
penalty ``alpha / n_B * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``
on every weight matrix.  Its L1 part is applied by a proximal
(soft-thresholding) step after each update, so weights become *exactly* zero.

On the 8 × 8 digits, each hidden unit's incoming weights form an 8 × 8 image.
With L2 (``l1_ratio=0``, scikit-learn's model) every pixel keeps a small
weight; with L1 (``l1_ratio=1``) most weights are zero, the units look at a
few strokes, and border pixels that never vary are cut off entirely.
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
# 200 epochs of Adam do not meet the default tol; the figure does not need it.
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Two networks, same strength, different penalty
# ----------------------------------------------

models = {}
for name, l1_ratio in [("L2 (l1_ratio=0)", 0.0), ("L1 (l1_ratio=1)", 1.0)]:
    model = MLPClassifier(
        hidden_layer_sizes=(16,),
        alpha=1.0,
        l1_ratio=l1_ratio,
        max_iter=200,
        random_state=0,
    ).fit(X_train, y_train)
    models[name] = model
    W = model.coefs_[0]  # (64 pixels, 16 hidden units)
    print(
        f"{name}: test accuracy {model.score(X_test, y_test):.3f}, "
        f"{np.mean(W == 0):.0%} of first-layer weights exactly zero, "
        f"{np.sum(np.all(W == 0, axis=1))} of 64 pixels unused"
    )

# %%
# The first-layer weights as images
# ---------------------------------
# One column of ``coefs_[0]`` per hidden unit, reshaped to 8 × 8; white is
# exactly zero.

fig, axes = plt.subplots(4, 8, figsize=(10, 5.6))
for row, (name, model) in enumerate(models.items()):
    W = model.coefs_[0]
    scale = np.abs(W).max()
    for unit in range(16):
        ax = axes[2 * row + unit // 8, unit % 8]
        ax.imshow(W[:, unit].reshape(8, 8), cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[2 * row, 0].set_ylabel(name, fontsize=9, rotation=0, ha="right")
fig.suptitle("Incoming weights of the 16 hidden units (top: L2, bottom: L1)")
fig.tight_layout()

# %%
# Which pixels does each network use?
# -----------------------------------
# A pixel is used when any weight leaving it is non-zero.

fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax, (name, model) in zip(axes, models.items(), strict=True):
    used = np.abs(model.coefs_[0]).sum(axis=1).reshape(8, 8)
    ax.imshow(used, cmap="Greys")
    ax.set_title(f"{name}\n{np.count_nonzero(used)} pixels used", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
