"""What in a learner's code looks like an attempt on the grading, in words for the instructor.

This is not what decides a score (trusted scoring does, by running the code on the grader's
inputs); it explains a flag. When a part passed in the notebook but not in the trusted run, or
could not run there, the instructor sees the constructs below with their cell and line, which
is usually enough to tell an honest difference from an attack:

- importing a blocked library (nnlib, torch, ...), directly or through ``importlib`` or
  ``__import__`` with a constant name;
- reading stack frames (``sys._getframe``, ``inspect.currentframe``/``stack``, ``f_back``,
  ``f_locals``, ``f_globals``, ``gc.get_referrers``/``get_objects``);
- replacing attributes of numpy, math, builtins, the checks or the test machinery
  (``np.allclose = ...``, ``setattr(np, ...)``);
- classes that redefine comparison or numpy's protocols (``__eq__``, ``__array_ufunc__``, ...)
  or subclass ``np.ndarray``;
- processes, signals and exits (``os.kill``, ``os._exit``, ``sys.exit``, ``signal``, ``atexit``,
  ``subprocess``, ``os.fork``), low-level access (``ctypes``), the network (``socket``);
- editing ``sys.modules``, ``builtins`` or ``sys.settrace``/``setprofile``.
"""
from __future__ import annotations

import ast

BLOCKED = {"nnlib", "torch", "tensorflow", "jax", "keras", "sklearn"}
FRAME_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "tb_frame", "gi_frame", "cr_frame"}
FRAME_CALLS = {("sys", "_getframe"), ("inspect", "currentframe"), ("inspect", "stack"),
               ("inspect", "getouterframes"), ("inspect", "trace"), ("gc", "get_referrers"),
               ("gc", "get_objects"), ("sys", "settrace"), ("sys", "setprofile"),
               ("traceback", "extract_stack"), ("sys", "_current_frames")}
PATCHED_MODULES = {"np", "numpy", "math", "builtins", "__builtins__", "autograder", "checks",
                   "nbgrader", "sys", "unittest", "warnings", "json", "_core"}
PROTOCOL_METHODS = {"__eq__", "__ne__", "__bool__", "__array_ufunc__", "__array_function__",
                    "__array_finalize__", "__array_wrap__", "__array_priority__", "__float__",
                    "__index__", "__len__", "__getattr__", "__getattribute__", "__instancecheck__"}
PROCESS_CALLS = {("os", "kill"), ("os", "killpg"), ("os", "_exit"), ("sys", "exit"),
                 ("os", "fork"), ("os", "system"), ("os", "execv"), ("os", "execl"),
                 ("os", "setsid"), ("os", "abort"), ("signal", "signal"), ("signal", "alarm"),
                 ("atexit", "register"), ("os", "setpgid")}
RISKY_MODULES = {"ctypes", "subprocess", "socket", "multiprocessing", "signal", "resource",
                 "pty", "importlib", "pickle", "marshal", "gc", "inspect"}


def _dotted(node) -> tuple[str, ...]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return ()


def scan_source(source: str) -> list[tuple[int, str]]:
    """(line, what) for each suspicious construct in one cell's code (see the module)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []

    def note(node, what):
        found.append((getattr(node, "lineno", 0), what))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in BLOCKED:
                    note(node, f"imports {alias.name}, which grading does not allow")
                elif top in RISKY_MODULES:
                    note(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in BLOCKED:
                note(node, f"imports from {node.module}, which grading does not allow")
            elif top in RISKY_MODULES:
                note(node, f"imports from {node.module}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name[-2:] in FRAME_CALLS:
                note(node, f"reads the interpreter's state with {'.'.join(name)}()")
            elif name[-2:] in PROCESS_CALLS:
                note(node, f"calls {'.'.join(name)}()")
            elif name and name[-1] in ("__import__", "import_module") and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    str(node.args[0].value).split(".")[0] in BLOCKED:
                note(node, f"imports {node.args[0].value} dynamically")
            elif name in (("setattr",), ("delattr",)) and node.args and \
                    _dotted(node.args[0])[:1] and _dotted(node.args[0])[0] in PATCHED_MODULES:
                note(node, f"replaces an attribute of {'.'.join(_dotted(node.args[0]))} "
                           f"with {name[0]}()")
            elif name in (("exec",), ("eval",), ("compile",)):
                note(node, f"calls {name[0]}()")
        elif isinstance(node, ast.Attribute) and node.attr in FRAME_ATTRIBUTES:
            note(node, f"reads stack frames (.{node.attr})")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                name = _dotted(target)
                if len(name) >= 2 and name[0] in PATCHED_MODULES:
                    note(node, f"replaces {'.'.join(name)}")
                elif isinstance(target, ast.Subscript) and _dotted(target.value)[-2:] in (
                        ("sys", "modules"), ("builtins", "__dict__")):
                    note(node, f"edits {'.'.join(_dotted(target.value))}")
        elif isinstance(node, ast.ClassDef):
            bases = [".".join(_dotted(b)) for b in node.bases]
            if any(b.endswith("ndarray") for b in bases):
                note(node, f"class {node.name} subclasses numpy's ndarray")
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        item.name in PROTOCOL_METHODS:
                    note(item, f"class {node.name} defines {item.name}")
        elif isinstance(node, ast.Global) and any(n in ("__builtins__",) for n in node.names):
            note(node, "rebinds __builtins__")
    return sorted(set(found))


def scan_cells(cells) -> list[str]:
    """Readable findings over ``(cell index, source)`` pairs, e.g. ``"cell 5, line 2: replaces
    np.allclose"`` (at most 12)."""
    lines = []
    for index, source in cells:
        for line, what in scan_source(source):
            lines.append(f"cell {index}, line {line}: {what}")
    return lines[:12]
