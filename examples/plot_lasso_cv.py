"""
Choosing alpha by cross-validation with LassoCV
===============================================

:class:`skreg.LassoCV` follows the Lasso path on each training fold and keeps
the ``alpha`` with the smallest mean held-out squared error, then refits on
all the data.  ``mse_path_`` holds the error of every fold at every alpha; the
figure shows the per-fold curves, their mean with one standard error, the
chosen ``alpha_`` and the sparser "one standard error" choice.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_limits

from skreg import LassoCV

threadpool_limits(1)

# Degree-2 interactions of the 10 diabetes features: 65 columns, many useless.
X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(
    PolynomialFeatures(degree=2, include_bias=False).fit_transform(X)
)

# %%
# Fit with progress output
# ------------------------
# ``verbose=1`` prints scikit-learn's row of dots (one per alpha) and, for
# each fold, skreg's summary line: the alpha range, the worst duality gap
# relative to the tolerance, and the time.

model = LassoCV(cv=5, alphas=60, eps=1e-3, verbose=1, max_iter=5000).fit(X, y)
print(f"chosen alpha = {model.alpha_:.3g}")
print(f"{np.count_nonzero(model.coef_)} of {X.shape[1]} coefficients non-zero")

# %%
# Plot the cross-validation error
# -------------------------------

mse = model.mse_path_  # (n_alphas, n_folds)
mean = mse.mean(axis=1)
se = mse.std(axis=1) / np.sqrt(mse.shape[1])
best = np.argmin(mean)
# Largest alpha whose mean error is within one standard error of the minimum.
one_se = np.flatnonzero(mean <= mean[best] + se[best])[0]

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.semilogx(model.alphas_, mse, ":", color="0.6", linewidth=1)
ax.semilogx(model.alphas_, mean, color="k", linewidth=2, label="mean over folds")
ax.fill_between(model.alphas_, mean - se, mean + se, color="k", alpha=0.15)
ax.axvline(model.alpha_, color="C3", label=f"alpha_ = {model.alpha_:.3g}")
ax.axvline(
    model.alphas_[one_se],
    color="C0",
    linestyle="--",
    label=f"one-SE rule: {model.alphas_[one_se]:.3g}",
)
ax.invert_xaxis()
ax.set_xlabel("alpha (decreasing)")
ax.set_ylabel("held-out mean squared error")
ax.set_title("LassoCV on diabetes with degree-2 features (dotted: folds)")
ax.legend()
fig.tight_layout()
plt.show()
