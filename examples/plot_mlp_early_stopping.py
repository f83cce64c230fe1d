"""
Training and validation loss curves with early stopping
=======================================================

With ``early_stopping=True`` the MLP holds out ``validation_fraction`` of the
training rows and records, after every epoch, the training loss
(``loss_curve_``, penalty included, as in scikit-learn), the validation score
(``validation_scores_``) and the validation data loss
(``validation_loss_curve_``).  ``early_stopping_metric='loss'`` stops when the
validation loss has not decreased by ``tol`` for ``n_iter_no_change`` epochs
and restores the weights of the best epoch; ``'score'`` (scikit-learn's rule)
watches the accuracy instead.

A wide network trained on 300 digits with a large learning rate overfits: the
training loss keeps falling while the validation loss turns up.
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
params = dict(
    hidden_layer_sizes=(256,),
    alpha=1e-5,
    learning_rate_init=0.01,
    max_iter=200,
    early_stopping=True,
    validation_fraction=0.2,
    random_state=0,
)

# %%
# The whole curves, and two early-stopped fits
# --------------------------------------------
# ``n_iter_no_change=max_iter`` never stops, which shows the full curves; the
# same network with ``n_iter_no_change=10`` stops on the loss or on the score.
# ``verbose=True`` would print the epoch, the loss and the validation score of
# every epoch.

full = MLPClassifier(**params, early_stopping_metric="loss", n_iter_no_change=200).fit(
    X_train, y_train
)
on_loss = MLPClassifier(
    **params, early_stopping_metric="loss", n_iter_no_change=10
).fit(X_train, y_train)
on_score = MLPClassifier(
    **params, early_stopping_metric="score", n_iter_no_change=10
).fit(X_train, y_train)

best_epoch = int(np.argmin(full.validation_loss_curve_))
for name, model in [
    ("no early stop  ", full),
    ("stop on loss   ", on_loss),
    ("stop on score  ", on_score),
]:
    print(
        f"{name}: {model.n_iter_:3d} epochs, best validation loss "
        f"{model.best_validation_loss_:.3f}, test accuracy "
        f"{model.score(X_test, y_test):.3f}"
    )

# %%
# Plot the curves
# ---------------

epochs = np.arange(1, full.n_iter_ + 1)
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(11, 4.2))
ax_loss.semilogy(epochs, full.loss_curve_, color="C0", label="training loss")
ax_loss.semilogy(
    epochs, full.validation_loss_curve_, color="C1", label="validation loss"
)
ax_loss.axvline(
    best_epoch + 1,
    color="k",
    linestyle=":",
    label=f"lowest validation loss ({best_epoch + 1})",
)
ax_loss.axvline(
    on_loss.n_iter_,
    color="C3",
    linestyle="--",
    label=f"stopped on loss ({on_loss.n_iter_})",
)
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("loss (log scale)")
ax_loss.set_title("Training vs validation loss")
ax_loss.legend(fontsize=8)

ax_score.plot(epochs, full.validation_scores_, color="C2", label="validation accuracy")
ax_score.axvline(
    on_score.n_iter_,
    color="C3",
    linestyle="--",
    label=f"stopped on score ({on_score.n_iter_})",
)
ax_score.axvline(best_epoch + 1, color="k", linestyle=":")
ax_score.set_xlabel("epoch")
ax_score.set_ylabel("accuracy on the held-out 20%")
ax_score.set_title("Validation accuracy")
ax_score.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()
