"""Hooks for sphinx-gallery, importable by name so the config stays picklable."""


def reset_threads(gallery_conf, fname):
    """Run every example with one BLAS thread, as CI has two cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


# The gallery reads from the linear models to the MLPs, then speed.
ORDER = [
    "plot_regularization_path.py",
    "plot_lasso_cv.py",
    "plot_logistic_text.py",
    "plot_mlp_sparse_weights.py",
    "plot_mlp_feature_selection.py",
    "plot_mlp_early_stopping.py",
    "plot_mlp_dropout_batchnorm_noise.py",
    "plot_speed.py",
]


class ExampleOrder:
    """sphinx-gallery sort key: the order of ``ORDER``, unknown files last."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (ORDER.index(filename), filename)
        return (len(ORDER), filename)

    def __repr__(self):
        return f"{type(self).__name__}()"
