"""
Sparse logistic regression on text-like data
============================================

A bag-of-words classifier: 2000 documents over a vocabulary of 3000 words,
tf-idf weighted and sparse (CSR, about 1% non-zero), where the class depends
on 20 words only. The L1 penalty of :class:`skreg.LogisticRegression`
(``l1_ratio=1``) selects words; this example follows the coefficients along
a grid of ``C`` (the regularization path), lets
:class:`skreg.LogisticRegressionCV` choose ``C`` by 5-fold cross-validation,
and shows the words with the largest coefficients in the chosen model.

Nothing is downloaded: the documents are drawn from a Zipf law, as word
frequencies in real text are.
"""

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skreg import LogisticRegression, LogisticRegressionCV

threadpool_limits(1)
rng = np.random.default_rng(0)

# %%
# Documents
# ---------
# Word ``r`` (by rank) appears with probability proportional to ``1/r``. Twenty
# words of middling frequency carry the label: ten push towards class 1, ten
# towards class 0.

n_docs, n_words, n_informative = 2000, 3000, 20
freq = 1.0 / np.arange(1, n_words + 1)
freq = np.minimum(freq * 60 / freq.sum(), 0.5)  # about 40 distinct words a document
counts = sp.csr_matrix(rng.binomial(1, freq, size=(n_docs, n_words)))
counts.data = counts.data + rng.poisson(0.5, counts.nnz)
vocabulary = np.array([f"word_{r}" for r in range(n_words)])

informative = rng.choice(np.arange(10, 200), n_informative, replace=False)
true_coef = np.zeros(n_words)
true_coef[informative] = np.repeat([3.0, -3.0], n_informative // 2)
X = TfidfTransformer(sublinear_tf=True).fit_transform(counts)  # rows of unit norm
logit = X @ true_coef
y = (rng.random(n_docs) < 1 / (1 + np.exp(-8 * (logit - np.median(logit))))).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(f"X: {X.shape}, {X.nnz / np.prod(X.shape):.1%} non-zero, {type(X).__name__}")

# %%
# The regularization path
# -----------------------
# Below ``C_min = 1 / ||X^T (y - mean(y))||_inf`` every coefficient is zero
# (with an unpenalized intercept; scikit-learn's :func:`~sklearn.svm.l1_min_c`
# is the value without intercept, or with liblinear's penalized one). Each fit
# along the grid starts from the previous solution (``warm_start=True``), as
# glmnet does.

c_min = 1 / np.abs(X_train.T @ (y_train - y_train.mean())).max()
Cs = c_min * np.logspace(0, 2.5, 30)
model = LogisticRegression(l1_ratio=1.0, warm_start=True, max_iter=200)
path = []
for C in Cs:
    model.set_params(C=C).fit(X_train, y_train)
    path.append(model.coef_[0].copy())
path = np.array(path)

fig, ax = plt.subplots(figsize=(7, 4.5))
ever = np.flatnonzero(np.any(path != 0, axis=0))
for j in ever:
    is_true = j in informative
    ax.semilogx(
        Cs,
        path[:, j],
        color="tab:red" if is_true else "0.7",
        linewidth=1.5 if is_true else 0.8,
        zorder=2 if is_true else 1,
    )
ax.set_xlabel("C (weaker penalty to the right)")
ax.set_ylabel("coefficient")
ax.set_title(f"L1 path: the {n_informative} label words in red, others grey")
fig.tight_layout()

# %%
# Choosing C by cross-validation
# ------------------------------
# :class:`~skreg.LogisticRegressionCV` fits the same grid on each of 5 folds
# (each fold warm-started along ``Cs``; folds run in threads with ``n_jobs``),
# scores the held-out documents by log-loss, and refits on all the training
# data at the best ``C``.

cv_model = LogisticRegressionCV(
    Cs=Cs,
    l1_ratios=[1.0],
    cv=5,
    scoring="neg_log_loss",
    use_legacy_attributes=False,
    max_iter=200,
).fit(X_train, y_train)
coef = cv_model.coef_[0]
kept = np.flatnonzero(coef)
top = kept[np.argsort(-np.abs(coef[kept]))][:n_informative]
print(
    f"C_ = {cv_model.C_:.3g} ({cv_model.C_ / c_min:.0f} x C_min); "
    f"{kept.size} of {n_words} words kept; the {n_informative} largest "
    f"coefficients hold {np.isin(top, informative).sum()} of the label words"
)
print(f"held-out accuracy: {np.mean(cv_model.predict(X_test) == y_test):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
mean_score = cv_model.scores_[:, 0, :].mean(axis=0)
axes[0].semilogx(Cs, -mean_score, marker=".")
axes[0].axvline(cv_model.C_, color="k", linestyle="--", label="C_")
axes[0].set_xlabel("C")
axes[0].set_ylabel("mean held-out log-loss")
axes[0].legend()

# Log-loss favours a weak penalty here, so many words enter with small
# coefficients; the largest ones are the label words.
order = kept[np.argsort(-np.abs(coef[kept]))][:30][::-1]
colors = ["tab:red" if j in informative else "0.6" for j in order]
axes[1].barh(vocabulary[order], coef[order], color=colors)
axes[1].set_xlabel("coefficient")
axes[1].set_title("the 30 largest coefficients at C_ (red: label words)")
axes[1].tick_params(axis="y", labelsize=7)
fig.tight_layout()
plt.show()
