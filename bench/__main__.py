"""Run every benchmark in turn: ``python -m bench`` (or ``make bench``)."""
import importlib
import pkgutil
import sys
from pathlib import Path

ORDER = ["mlp_epoch", "explorers", "grading", "book_build"]


def main() -> None:
    here = Path(__file__).parent
    available = {m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")}
    for name in [n for n in ORDER if n in available] + sorted(available - set(ORDER)):
        print(f"\n=== bench.{name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main([]) if "argv" in module.main.__code__.co_varnames else module.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
