"""Run small linear algebra on one BLAS thread."""
from __future__ import annotations

import contextlib


def one_blas_thread():
    """A context manager limiting BLAS to one thread (a no-op without threadpoolctl).

    The explorers multiply tiny matrices (64 x 64); several BLAS threads only add overhead,
    and on a busy machine make them several times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(1)
