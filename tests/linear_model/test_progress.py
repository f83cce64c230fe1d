"""``verbose`` output and warning messages of the Lasso family.

scikit-learn's behaviour is the baseline: nothing printed at ``verbose=0``, a
dot per alpha on stderr at 1, a ``Path: i out of n`` line at 2.  skreg adds
the gap to the path lines and a line per fold to the CV estimators.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning

from skreg import ElasticNetCV, Lasso, LassoCV, enet_path, lasso_path


def test_silent_by_default_like_sklearn(diabetes_poly, capsys):
    X, y = diabetes_poly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lasso_path(X, y - y.mean(), alphas=5)
        LassoCV(cv=3, alphas=5).fit(X, y)
        ElasticNetCV(cv=3, alphas=5, l1_ratio=[0.5, 1.0]).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_path_verbose_1_writes_one_dot_per_alpha(diabetes_poly, capsys):
    X, y = diabetes_poly
    lasso_path(X, y - y.mean(), alphas=7, verbose=1)
    captured = capsys.readouterr()
    assert captured.err == "." * 7
    assert captured.out == ""


def test_path_verbose_2_reports_index_alpha_and_gap(diabetes_poly, capsys):
    X, y = diabetes_poly
    alphas, _, gaps = enet_path(X, y - y.mean(), alphas=4, l1_ratio=0.5, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    for i, (line, alpha, gap) in enumerate(zip(lines, alphas, gaps, strict=True)):
        # scikit-learn's prefix, kept so its users' log parsers still work.
        assert line.startswith(f"Path: {i:03d} out of 004, ")
        assert f"alpha={alpha:.4e}" in line
        assert f"dual gap={gap:.3e}" in line
        assert "ok" in line


def test_lassocv_verbose_reports_each_fold_and_the_choice(diabetes_poly, capsys):
    X, y = diabetes_poly
    model = LassoCV(cv=4, alphas=6, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    folds = re.findall(r"^\[LassoCV\] fold (\d)/4: 6 alphas", out, flags=re.M)
    assert folds == ["1", "2", "3", "4"]
    assert f"best alpha={model.alpha_:.4e}" in out
    # The estimator is left as scikit-learn would leave it.
    assert "path" not in vars(model)
    assert LassoCV.path is lasso_path or LassoCV.path.__name__ == "lasso_path"


def test_elasticnetcv_verbose_names_l1_ratio(diabetes_poly, capsys):
    X, y = diabetes_poly
    model = ElasticNetCV(cv=2, alphas=3, l1_ratio=[0.5, 1.0], verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert len(re.findall(r"path \d/4, fold \d/2 \(l1_ratio=0\.5\)", out)) == 2
    assert len(re.findall(r"path \d/4, fold \d/2 \(l1_ratio=1\)", out)) == 2
    assert f"l1_ratio={model.l1_ratio_:g}" in out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_verbose_does_not_change_the_result(diabetes_poly, capsys):
    X, y = diabetes_poly
    quiet = LassoCV(cv=3, alphas=8).fit(X, y)
    loud = LassoCV(cv=3, alphas=8, verbose=2).fit(X, y)
    capsys.readouterr()
    assert quiet.alpha_ == loud.alpha_
    np.testing.assert_array_equal(quiet.coef_, loud.coef_)
    np.testing.assert_array_equal(quiet.mse_path_, loud.mse_path_)


def test_convergence_warning_says_what_to_do(diabetes_poly):
    X, y = diabetes_poly
    with pytest.warns(ConvergenceWarning) as record:
        model = Lasso(alpha=1e-4, max_iter=3, tol=1e-10).fit(X, y)
    message = str(record[0].message)
    # Starts as scikit-learn's, so filters written for scikit-learn still match.
    assert message.startswith("Objective did not converge.")
    assert "max_iter=3" in message and "max_iter=30" in message
    match = re.search(r"tol=([0-9.e+-]+) would have been met", message)
    assert match
    # The suggested tol is indeed met by the gap reached.
    n = X.shape[0]
    yc = y - y.mean()
    assert model.dual_gap_ <= float(match.group(1)) * (yc @ yc) / n * (1 + 1e-2)


def test_convergence_warning_matches_sklearn_filter(diabetes_poly):
    X, y = diabetes_poly
    for estimator in (Lasso, sk.Lasso):
        with pytest.warns(ConvergenceWarning, match="^Objective did not converge"):
            estimator(alpha=1e-4, max_iter=3, tol=1e-10).fit(X, y)
    # A filter written for scikit-learn's message silences skreg's longer one.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="Objective did not converge")
        Lasso(alpha=1e-4, max_iter=3, tol=1e-10).fit(X, y)


def test_a_path_warns_once_for_each_unconverged_alpha(diabetes_poly, capsys):
    """The bookkeeping of the alphas a path kernel solved (in NumPy when not
    verbose, alpha by alpha otherwise): one warning per alpha whose gap
    missed the tolerance, from the same line either way."""
    X, y = diabetes_poly
    yc = y - y.mean()
    places = []
    for verbose in (0, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, _, gaps, n_iters = lasso_path(
                X, y, alphas=20, max_iter=4, tol=1e-10, verbose=verbose,
                return_n_iter=True,
            )  # fmt: skip
        capsys.readouterr()
        convergence = [w for w in caught if w.category is ConvergenceWarning]
        unconverged = np.sum(~(gaps <= 1e-10 * (yc @ yc) / len(y)))
        assert 0 < unconverged < len(gaps)
        assert len(convergence) == unconverged
        assert len(n_iters) == len(gaps)
        assert all(isinstance(n, int) for n in n_iters)
        places.append({(w.filename, w.lineno) for w in convergence})
    assert places[0] == places[1] and len(places[0]) == 1
