"""Plain data across the sandbox boundary: a strict, JSON-based encoding of values.

What the trusted runner sends back is produced next to untrusted code, so the grader must be
able to read it without running anything the student wrote: no pickle, no objects, nothing
that can compare equal to anything. :func:`encode` turns a value into JSON-compatible data and
:func:`decode` turns it back, accepting only

* ``None``, ``bool``, ``int`` (exactly), ``float`` (exactly; written with ``float.hex`` so that
  nan, inf and every bit survive), ``str``;
* numpy arrays of *exactly* type ``np.ndarray`` (no subclass) with a boolean, integer or float
  dtype (no object, string or structured dtype), and numpy scalars of those dtypes;
* ``list``, ``tuple`` and ``dict`` with string keys (exactly those types), of the above.

Anything else is encoded as ``{"unsupported": <type name>}`` and decodes to an
:class:`Unsupported` placeholder, which compares equal to nothing and which the checks describe
as "an object of type <name>" (so a part that returns a clever object fails with a clear
message). Decoding also bounds depth, sizes and counts, and raises :class:`WireError` on
anything malformed.

The grader additionally encodes the *given* objects a case hands to the learner's code (nnlib
modules, helper functions and classes of the checks) with :func:`encode` and a ``given`` hook;
inside the sandbox :func:`decode` rebuilds them with a ``rebuild`` hook (see
``autograder.trusted.given``). This module needs nothing but numpy, so it runs on both sides.
"""
from __future__ import annotations

import base64
import math
import re

import numpy as np

DTYPES = frozenset(["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float16", "float32", "float64"])
MAX_DEPTH = 24
MAX_ARRAY_BYTES = 256 * 2**20
MAX_STRING = 200_000
MAX_ITEMS = 1_000_000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}$")


class WireError(ValueError):
    """Data that does not follow the encoding (the message says where and what)."""


class Unsupported:
    """Stands for a value of a type the wire does not carry; equal to nothing, not even itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = None

    def __repr__(self):
        return f"<a returned object of type {self.type_name}>"


_placeholder_classes: dict[str, type] = {}


def is_checks_module(name: str) -> bool:
    """Whether functions and classes of module ``name`` cross by reference, not by value: the
    checks' machinery and the course's content, which both sides import."""
    from autograder.content import PACKAGE

    return any(name == root or name.startswith(root + ".")
               for root in ("autograder.checks", PACKAGE))


def unsupported(type_name: str) -> Unsupported:
    """An :class:`Unsupported` whose class is named after the original type, so that messages
    that name a value's type ("got an object of type MyArray") still read naturally."""
    name = type_name if _NAME.match(type_name or "") else "object"
    cls = _placeholder_classes.get(name)
    if cls is None:
        cls = _placeholder_classes[name] = type(name, (Unsupported,), {"__slots__": ()})
    return cls(name)


def _type_name(value) -> str:
    name = type(value).__name__
    return name if _NAME.match(name) else "object"


def encode(value, given=None, _depth: int = 0):
    """``value`` as JSON-compatible data (see the module docstring).

    ``given(value)`` is asked first, for values that are not plain data; it returns an encoding
    (a dict) or None.
    """
    if _depth > MAX_DEPTH:
        return {"unsupported": "nested too deeply"}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return {"i": str(value)}
    if kind is float:
        return {"f": value.hex()}
    if kind is np.ndarray:
        if value.dtype.name not in DTYPES or value.dtype.byteorder == ">":
            return {"unsupported": f"array of dtype {value.dtype}"}
        data = np.ascontiguousarray(value)
        return {"nd": value.dtype.name, "shape": list(value.shape),
                "b64": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, np.generic) and kind is np.dtype(kind).type and \
            np.dtype(kind).name in DTYPES:
        return {"np": np.dtype(kind).name,
                "b64": base64.b64encode(np.asarray(value).tobytes()).decode("ascii")}
    if kind is list or kind is tuple:
        items = [encode(item, given, _depth + 1) for item in value]
        return {"l": items} if kind is list else {"t": items}
    if kind is dict and all(type(k) is str for k in value):
        return {"d": [[k, encode(v, given, _depth + 1)] for k, v in value.items()]}
    if given is not None:
        encoded = given(value)
        if encoded is not None:
            return encoded
    return {"unsupported": _type_name(value)}


class _Budget:
    def __init__(self):
        self.items = 0
        self.bytes = 0

    def count(self, items=1, nbytes=0):
        self.items += items
        self.bytes += nbytes
        if self.items > MAX_ITEMS or self.bytes > MAX_ARRAY_BYTES:
            raise WireError("the data is larger than the grader accepts")


def decode(data, rebuild=None):
    """The value :func:`encode` encoded as ``data``; raises :class:`WireError` if malformed.

    ``rebuild(data)`` is called for a dict with a ``"given"`` key (inside the sandbox, to make
    the given objects); without it such a dict is an error.
    """
    return _decode(data, rebuild, 0, _Budget())


def _decode(data, rebuild, depth, budget):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    budget.count()
    if data is None or type(data) is bool:
        return data
    if type(data) is str:
        if len(data) > MAX_STRING:
            raise WireError("a string is too long")
        return data
    if type(data) is not dict or len(data) == 0:
        raise WireError(f"unexpected {type(data).__name__} in the data")
    if "i" in data and len(data) == 1:
        text = _string(data["i"])
        if not re.fullmatch(r"-?\d{1,400}", text):
            raise WireError("a malformed integer")
        return int(text)
    if "f" in data and len(data) == 1:
        text = _string(data["f"])
        try:
            return float.fromhex(text)
        except (ValueError, OverflowError):
            if text in ("nan", "-nan", "inf", "-inf"):
                return float(text)
            raise WireError("a malformed float") from None
    if "nd" in data and set(data) == {"nd", "shape", "b64"}:
        dtype = _dtype(data["nd"])
        shape = data["shape"]
        if type(shape) is not list or len(shape) > 32 or not all(
                type(n) is int and 0 <= n <= 2**40 for n in shape):
            raise WireError("a malformed array shape")
        raw = _bytes(data["b64"])
        expected = dtype.itemsize * math.prod(shape)
        if len(raw) != expected:
            raise WireError(f"an array of shape {tuple(shape)} and dtype {dtype} needs "
                            f"{expected} bytes, got {len(raw)}")
        budget.count(nbytes=len(raw))
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "np" in data and set(data) == {"np", "b64"}:
        dtype = _dtype(data["np"])
        raw = _bytes(data["b64"])
        if len(raw) != dtype.itemsize:
            raise WireError("a malformed numpy scalar")
        return np.frombuffer(raw, dtype=dtype)[0]
    if ("l" in data or "t" in data) and len(data) == 1:
        items = data.get("l", data.get("t"))
        if type(items) is not list:
            raise WireError("a malformed list")
        values = [_decode(item, rebuild, depth + 1, budget) for item in items]
        return values if "l" in data else tuple(values)
    if "d" in data and len(data) == 1:
        pairs = data["d"]
        if type(pairs) is not list:
            raise WireError("a malformed dict")
        out = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("a malformed dict entry")
            out[pair[0]] = _decode(pair[1], rebuild, depth + 1, budget)
        return out
    if "unsupported" in data and len(data) == 1:
        return unsupported(_string(data["unsupported"]))
    if "given" in data:
        if rebuild is None:
            raise WireError("given objects are not accepted here")
        return rebuild(data, lambda item: _decode(item, rebuild, depth + 1, budget))
    raise WireError(f"unknown data with keys {sorted(data)[:5]}")


def _string(value) -> str:
    if type(value) is not str or len(value) > 1000:
        raise WireError("a malformed field")
    return value


def _dtype(name) -> np.dtype:
    if type(name) is not str or name not in DTYPES:
        raise WireError(f"dtype {name!r} is not accepted")
    return np.dtype(name)


def _bytes(text) -> bytes:
    if type(text) is not str or len(text) > MAX_ARRAY_BYTES * 4 // 3 + 8:
        raise WireError("malformed array data")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("malformed array data") from None
