"""
Lasso and elastic-net regularization paths
==========================================

:func:`skreg.lasso_path` and :func:`skreg.enet_path` solve the problem for a
decreasing grid of ``alpha``, each solve warm-started from the previous one.
Plotting the coefficients against ``alpha`` shows the difference between the
two penalties on the diabetes data (10 standardized features, some strongly
correlated): the Lasso lets features in one at a time and keeps few of the
correlated ones, the elastic net brings correlated features in together with
smaller, shared coefficients.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from threadpoolctl import threadpool_limits

from skreg import enet_path, lasso_path

threadpool_limits(1)

X, y = load_diabetes(return_X_y=True)
feature_names = load_diabetes().feature_names
X = (X - X.mean(axis=0)) / X.std(axis=0)
y = y - y.mean()

# %%
# Compute the paths
# -----------------
# ``alphas=100`` places 100 values geometrically between
# :math:`\alpha_{\max}` (every coefficient is zero) and ``eps * alpha_max``.
# The third output is the certified duality gap reached at each alpha.

alphas_lasso, coefs_lasso, gaps_lasso = lasso_path(X, y, eps=1e-3, alphas=100)
alphas_enet, coefs_enet, gaps_enet = enet_path(X, y, eps=1e-3, alphas=100, l1_ratio=0.5)
print(f"largest duality gap along the Lasso path: {gaps_lasso.max():.1e}")
print(f"largest duality gap along the ElasticNet path: {gaps_enet.max():.1e}")

# %%
# Plot them
# ---------

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
colors = plt.cm.tab10(np.arange(X.shape[1]))
for ax, alphas, coefs, title in [
    (axes[0], alphas_lasso, coefs_lasso, "Lasso (l1_ratio=1)"),
    (axes[1], alphas_enet, coefs_enet, "ElasticNet (l1_ratio=0.5)"),
]:
    for coef, color, name in zip(coefs, colors, feature_names, strict=True):
        ax.semilogx(alphas, coef, color=color, label=name)
    ax.invert_xaxis()
    ax.set_xlabel("alpha (decreasing)")
    ax.set_title(title)
    ax.axhline(0, color="0.6", linewidth=0.8)
axes[0].set_ylabel("coefficient")
axes[1].legend(loc="upper left", fontsize=8, ncol=2)
fig.suptitle("Regularization paths on diabetes (standardized features)")
fig.tight_layout()

# %%
# Number of non-zero coefficients
# -------------------------------
# At the same ``alpha`` the elastic net has a weaker L1 term, so it keeps more
# features; its path starts at a larger :math:`\alpha_{\max}` because only the
# L1 part (``alpha * l1_ratio``) decides when a feature leaves zero.

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(alphas_lasso, (coefs_lasso != 0).sum(axis=0), label="Lasso")
ax.semilogx(alphas_enet, (coefs_enet != 0).sum(axis=0), label="ElasticNet")
ax.invert_xaxis()
ax.set_xlabel("alpha (decreasing)")
ax.set_ylabel("non-zero coefficients")
ax.legend()
fig.tight_layout()
plt.show()
