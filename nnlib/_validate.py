"""Input checks shared by every nnlib module.

Every public function checks what it is given and raises a ``TypeError`` or ``ValueError`` that
names the argument, the value or shape it received, and what it expected. Nothing is broadcast or
cast silently: a float32 array stays float32, and an integer array is refused where a float array
is needed, because numpy would otherwise promote it without telling anyone.
"""
from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as an array of float32 or float64, refusing anything else.

    Python numbers and lists become float64 arrays; numpy float16 or integer arrays are refused
    (pass ``x.astype(np.float64)`` explicitly) so that a dtype never changes behind your back.
    """
    if isinstance(x, np.ndarray):
        if x.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"{name} must be a float32 or float64 array, got dtype {x.dtype}; "
                f"convert it with {name}.astype(np.float64)"
            )
        return x
    if isinstance(x, (numbers.Real, list, tuple)) and not isinstance(x, bool):
        array = np.asarray(x, dtype=np.float64)
        return array
    raise TypeError(f"{name} must be a numpy float array, got {type(x).__name__}")


def check_ndim(x: np.ndarray, name: str, ndim: int, layout: str) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` dimensions (``layout`` names them)."""
    if x.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout}, got shape {x.shape}")


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have identical shapes (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{a_name} and {b_name} must have the same shape, got {a.shape} and {b.shape}"
        )


def check_dtype_matches(x: np.ndarray, name: str, dtype: np.dtype, owner: str) -> None:
    """Raise ``TypeError`` if ``x`` does not have the ``dtype`` that ``owner`` computes in."""
    if x.dtype != dtype:
        raise TypeError(
            f"{owner} computes in {np.dtype(dtype).name} but {name} has dtype {x.dtype}; "
            f"cast it with {name}.astype(np.{np.dtype(dtype).name}) or build {owner} "
            f"with dtype=np.{x.dtype.name}"
        )


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``TypeError``."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{name} must be np.float32 or np.float64, got {dtype!r}") from error
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be np.float32 or np.float64, got {resolved}")
    return resolved


def real_number(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite real number, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def non_negative(value, name: str) -> float:
    """Return ``value`` as a float if it is a real number >= 0, else raise ``ValueError``."""
    value = real_number(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def positive(value, name: str) -> float:
    """Return ``value`` as a float if it is a real number > 0, else raise ``ValueError``."""
    value = real_number(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def in_unit_interval(value, name: str, include_high: bool = False) -> float:
    """Return ``value`` if it lies in [0, 1) (or [0, 1] with ``include_high``), else raise."""
    value = real_number(value, name)
    high_ok = value <= 1 if include_high else value < 1
    if not (0 <= value and high_ok):
        interval = "[0, 1]" if include_high else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def positive_int(value, name: str) -> int:
    """Return ``value`` if it is an integer >= 1, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def int_in_range(value, name: str, low: int, high: int | None = None) -> int:
    """Return ``value`` if it is an integer >= ``low`` (and <= ``high`` if given), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def generator(rng, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` if it is a ``np.random.Generator``; ``None`` gives a fresh, unseeded one."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy Generator (np.random.default_rng(seed)) or None, "
            f"got {type(rng).__name__}"
        )
    return rng
