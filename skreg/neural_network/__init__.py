"""Multi-layer perceptrons with scikit-learn's contract and numba epochs."""

from skreg.neural_network._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
