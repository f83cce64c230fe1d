"""
Selecting input features with an MLP (group lasso on the first layer)
=====================================================================

``input_group_alpha`` puts a group-lasso penalty on the rows of the first
weight matrix, one row per input feature:
``input_group_alpha / n_B * sum_j ||coefs_[0][j, :]||_2``.  It is applied by a
proximal (block soft-thresholding) step, so a feature's whole row becomes
exactly zero and the feature leaves the model.  ``feature_importances_`` is the
norm of each row and ``selected_features_`` lists the features still in use.

The data are generated: 40 standardized features of which only the first 5
carry the class, the other 35 are noise.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skreg import MLPClassifier

threadpool_limits(1)

X, y = make_classification(
    n_samples=1000,
    n_features=40,
    n_informative=5,
    n_redundant=0,
    n_repeated=0,
    shuffle=False,  # the informative features are columns 0-4
    random_state=0,
)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
informative = np.arange(40) < 5


def fit(input_group_alpha):
    """The same network with a given group penalty on its inputs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(
            hidden_layer_sizes=(32,),
            input_group_alpha=input_group_alpha,
            max_iter=200,
            random_state=0,
        ).fit(X_train, y_train)


# %%
# Without and with the group penalty
# ----------------------------------

dense, sparse = fit(0.0), fit(10.0)
for name, model in [("input_group_alpha=0 ", dense), ("input_group_alpha=10", sparse)]:
    print(
        f"{name}: test accuracy {model.score(X_test, y_test):.3f}, "
        f"{model.selected_features_.size} features used: {model.selected_features_}"
    )

fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
for ax, model, title in [
    (axes[0], dense, "input_group_alpha=0: every feature feeds the network"),
    (axes[1], sparse, "input_group_alpha=10: noise features removed exactly"),
]:
    colors = np.where(informative, "C3", "C0")
    ax.bar(np.arange(40), model.feature_importances_, color=colors)
    ax.set_ylabel("feature_importances_")
    ax.set_title(title, fontsize=10)
axes[1].set_xlabel("input feature (red: informative, blue: noise)")
fig.tight_layout()

# %%
# Along a range of strengths
# --------------------------
# Like a Lasso path: as the penalty grows, the noise features leave first and
# the test accuracy improves, until informative features are removed too.

strengths = np.array([0.0, 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 25])
models = [fit(g) for g in strengths]
n_noise = [np.sum(~informative[m.selected_features_]) for m in models]
n_informative = [np.sum(informative[m.selected_features_]) for m in models]
accuracy = [m.score(X_test, y_test) for m in models]

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(strengths, n_noise, "o-", color="C0", label="noise features kept")
ax.plot(strengths, n_informative, "s-", color="C3", label="informative features kept")
ax.set_xlabel("input_group_alpha")
ax.set_ylabel("features kept")
ax2 = ax.twinx()
ax2.plot(strengths, accuracy, "k--", label="test accuracy")
ax2.set_ylabel("test accuracy")
ax2.set_ylim(0.4, 1.0)
lines = ax.get_legend_handles_labels()
lines2 = ax2.get_legend_handles_labels()
ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="center right")
fig.tight_layout()

# %%
# In a pipeline
# -------------
# ``feature_importances_`` makes the network usable by
# :class:`~sklearn.feature_selection.SelectFromModel`: any feature with a
# non-zero importance is kept.

selector = SelectFromModel(sparse, prefit=True, threshold=1e-12)
print("SelectFromModel keeps", np.flatnonzero(selector.get_support()))
plt.show()
