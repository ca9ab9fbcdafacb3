"""The nnlib the isolated run gives learner code: only what an assignment hands out.

Some exercises hand the learner nnlib objects (each assignment's ``GIVEN`` in
``exercises/NAME/__init__.py`` names them). The isolated run has no nnlib at all, so that no
part can delegate to it; those objects are rebuilt inside its sandbox from their state, as
instances of classes that do the same arithmetic as nnlib's and nothing else:

- what holds no answers is nnlib's own code: its ``module.py`` (``Parameter``, ``Module``,
  ``Sequential``) and ``_validate.py`` (the input checks), whose text the grader sends with the
  request (:func:`nnlib_files`) and this module executes as ``nnlib.module`` and
  ``nnlib._validate``;
- what lives in files that hold answers (``Linear``, whose backward pass is graded, and the
  other layers and losses) comes from the course's plain copies, ``exercises/standins.py``.

A class is given only if an assignment names it, and its ``backward`` only if the assignment
names ``Class.backward``. Everything else of nnlib is a placeholder whose use raises
``ImportError`` with the sandbox's "not available while grading" message, which the grader
reports as delegation.

:func:`install` puts such a stand-in ``nnlib`` in ``sys.modules`` while the checks are imported
(they import nnlib at the top, for their reference answers), and :func:`uninstall` removes it
again before any learner code runs, so that ``import nnlib`` in a learner's cell meets the
sandbox's blocker.
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

from autograder.sandbox import BLOCKED_MESSAGE

#: Always given: the base classes the checks subclass or construct (no arithmetic in them).
ALWAYS = frozenset({"Module", "Parameter"})
#: nnlib's modules that hold no answers, executed from nnlib's own files in the isolated run
#: (in this order: ``module`` imports ``_validate``).
NNLIB_FILES = ("_validate", "module")
#: The stand-in's submodules (nnlib's public modules).
SUBMODULES = ("activations", "layers", "module", "losses", "optim", "init", "gradcheck",
              "regularization", "train", "data", "metrics", "augment", "_validate")
#: The classes of ``nnlib.module`` and where nnlib also exports them.
_MODULE_CLASSES = {"Parameter": "layers", "Module": "layers", "Sequential": "layers"}


def given_for(assignments) -> frozenset[str]:
    """The union of what the given assignments hand to learners, plus the base classes."""
    from autograder import content

    names = set(ALWAYS)
    for assignment in assignments:
        names |= content.given_of(assignment)
    return frozenset(names)


def nnlib_files() -> dict[str, str]:
    """The text of nnlib's answer-free modules (:data:`NNLIB_FILES`), read in the grader."""
    import importlib.util

    spec = importlib.util.find_spec("nnlib")
    folder = Path(spec.origin).parent
    return {name: (folder / f"{name}.py").read_text(encoding="utf-8") for name in NNLIB_FILES}


def _unavailable(name: str):
    message = f"nnlib.{name} {BLOCKED_MESSAGE}"

    def refuse(*args, **kwargs):
        raise ImportError(message)

    return refuse


class _PlaceholderMeta(type):
    """A placeholder class: subclassable (the checks subclass nnlib classes at import time), but
    creating an instance or calling it raises ImportError."""

    def __call__(cls, *args, **kwargs):
        raise ImportError(f"nnlib.{cls._nnlib_name} {BLOCKED_MESSAGE}")

    def __getattr__(cls, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _placeholder(f"{cls._nnlib_name}.{attribute}")


def _placeholder(name: str) -> type:
    return _PlaceholderMeta(name.rsplit(".", 1)[-1], (), {"_nnlib_name": name})


def _restricted(cls: type, home: str, given: frozenset[str]) -> type:
    """``cls`` with its ``backward`` replaced by a refusal unless ``given`` lists it (the base
    classes, whose backward computes nothing, stay as they are)."""
    if cls.__name__ in ALWAYS or "backward" not in vars(cls) \
            or f"{cls.__name__}.backward" in given:
        return cls
    return type(cls.__name__, (cls,),
                {"backward": _unavailable(f"{home}.{cls.__name__}.backward")})


def _missing(sub: str):
    def missing(attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _placeholder(f"{sub}.{attribute}")

    return missing


def _run_file(name: str, text: str) -> types.ModuleType:
    """Execute one of nnlib's files as ``nnlib.<name>`` (already in ``sys.modules``, so that
    the files can import each other)."""
    module = sys.modules[f"nnlib.{name}"]
    module.__dict__.pop("__getattr__", None)
    exec(compile(text, f"<nnlib/{name}.py>", "exec"), module.__dict__)
    module.__getattr__ = _missing(name)
    return module


def install(given: frozenset[str], files: dict[str, str]) -> dict[str, type]:
    """Put the stand-in nnlib in ``sys.modules`` and return the given classes by name.

    ``files`` is :func:`nnlib_files`' result, sent by the grader.
    """
    from autograder import content

    package = types.ModuleType("nnlib", "A stand-in for nnlib while grading: only given parts.")
    package.__path__ = []
    sys.modules["nnlib"] = package
    for sub in SUBMODULES:
        module = types.ModuleType(f"nnlib.{sub}")
        module.__getattr__ = _missing(sub)
        sys.modules[f"nnlib.{sub}"] = module
        setattr(package, sub, module)
    for name in NNLIB_FILES:
        _run_file(name, files[name])
    found = {name: (home, getattr(sys.modules["nnlib.module"], name))
             for name, home in _MODULE_CLASSES.items()}
    # The stand-ins subclass the Module just made: import them afresh, never a copy made
    # against the real nnlib.
    sys.modules.pop(content.standins_module_name(), None)
    found.update(content.standins().CLASSES)
    classes = {}
    for name, (home, cls) in found.items():
        if name in given:
            classes[name] = _restricted(cls, home, given)
            setattr(sys.modules[f"nnlib.{home}"], name, classes[name])
    return classes


def uninstall() -> None:
    """Remove the stand-in from ``sys.modules`` (the checks keep their references to it)."""
    for name in [n for n in sys.modules if n == "nnlib" or n.startswith("nnlib.")]:
        del sys.modules[name]
