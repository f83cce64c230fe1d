"""Proximal operators used by coordinate descent and proximal gradient steps."""

from skreg._numba import inner_kernel


@inner_kernel
def soft_threshold(x, threshold):
    """Return ``sign(x) * max(|x| - threshold, 0)``, the prox of ``threshold*|.|``."""
    if x > threshold:
        return x - threshold
    if x < -threshold:
        return x + threshold
    return x - x  # a zero of x's own type keeps float32 kernels in float32


@inner_kernel
def enet_coordinate_update(correlation, l1, denominator, positive):
    """Minimize ``denominator/2 w^2 - correlation*w + l1*|w|`` over one coordinate.

    ``denominator`` is ``||x_j||^2 + l2`` and ``correlation`` is
    ``x_j' r + ||x_j||^2 w_j`` (the partial residual correlation).  With
    ``positive`` the coordinate is restricted to ``w >= 0``.
    """
    if positive and correlation < 0:
        return correlation - correlation
    return soft_threshold(correlation, l1) / denominator
