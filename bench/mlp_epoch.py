"""One training epoch of a 784-256-10 ReLU MLP: nnlib vs a bare numpy loop vs PyTorch (CPU).

Run from the repository root::

    python -m bench.mlp_epoch [--repeats 5] [--samples 60000] [--threads N]
                              [--optimizers sgd momentum adam]

Every implementation does the same work: 60,000 synthetic float32 samples, batch 128, the same
shuffled order and initial weights, softmax cross-entropy (its value is computed for every
batch, as a training loop reports it), then one optimizer step per batch:

- ``sgd``: plain SGD, lr 0.05;  ``momentum``: SGD with momentum 0.9, lr 0.01;
  ``adam``: Adam, lr 1e-3, default betas.

- **nnlib** goes through its real path: ``nnlib.train.fit(Sequential(Linear, ReLU, Linear),
  CrossEntropyLoss(), <optimizer>, X, y, epochs=1, batch_size=128)``.
- **bare numpy loop** is the practical limit: the same arithmetic as plain numpy statements
  with in-place updates, no classes, no checks.
- **PyTorch (CPU)**: ``torch.nn`` and ``torch.optim``, autograd.

How it is measured: each run is a fresh subprocess (so peak memory is that of one epoch, and no
implementation warms a cache for another); the repeats are interleaved (torch, numpy, nnlib,
torch, ...) so that load from other processes hits all three alike; numpy's BLAS and PyTorch use
the same number of threads (``--threads``, set through ``OMP_NUM_THREADS`` and
``OPENBLAS_NUM_THREADS`` before numpy loads, and ``torch.set_num_threads``); and each run first
trains 20 batches that are not timed, because PyTorch's first batches pay a one-off start-up
cost of about a second. The last column checks that all three did the same work. Then the
digits classifier is trained once and its test accuracy and time are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

IN, HIDDEN, OUT, BATCH, SEED, WARMUP_BATCHES = 784, 256, 10, 128, 0, 20
IMPLEMENTATIONS = ("pytorch", "numpy", "nnlib")
LABELS = {"pytorch": "PyTorch (CPU)", "numpy": "bare numpy loop", "nnlib": "nnlib"}
OPTIMIZERS = {  # name -> (its settings, how the table describes it)
    "sgd": (dict(lr=0.05), "SGD, lr 0.05"),
    "momentum": (dict(lr=0.01, momentum=0.9), "SGD with momentum 0.9, lr 0.01"),
    "adam": (dict(lr=1e-3), "Adam, lr 1e-3"),
}
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _problem(samples: int):
    """Data and initial weights."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((samples, IN), dtype=np.float32)
    y = rng.integers(0, OUT, size=samples)
    W1 = (rng.standard_normal((IN, HIDDEN)) * np.sqrt(2.0 / IN)).astype(np.float32)
    W2 = (rng.standard_normal((HIDDEN, OUT)) * np.sqrt(2.0 / HIDDEN)).astype(np.float32)
    return X, y, W1, W2


def _order(samples: int, shuffle_seed):
    """The order ``nnlib.data.batches`` visits the samples in, for the same ``rng`` seed."""
    import numpy as np

    if shuffle_seed is None:
        return np.arange(samples)
    return np.random.default_rng(shuffle_seed).permutation(samples)


def epoch_numpy(X, y, W1, W2, shuffle_seed, optimizer):
    """The practical limit: the same arithmetic as plain numpy statements, updated in place."""
    import numpy as np

    settings = OPTIMIZERS[optimizer][0]
    lr, momentum = settings["lr"], settings.get("momentum", 0.0)
    params = [W1.copy(), np.zeros(HIDDEN, np.float32), W2.copy(), np.zeros(OUT, np.float32)]
    first = [np.zeros_like(p) for p in params]   # momentum's velocity, or Adam's m
    second = [np.zeros_like(p) for p in params]  # Adam's v
    step = 0
    order = _order(len(X), shuffle_seed)
    for start in range(0, len(X), BATCH):
        index = order[start:start + BATCH]
        xb, yb = X[index], y[index]
        n = len(xb)
        W1_, b1, W2_, b2 = params
        h = xb @ W1_
        h += b1
        a = np.maximum(h, 0.0)
        z = a @ W2_
        z += b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -np.mean(np.log(p[rows, yb]))  # noqa: F841  (reported by every training loop)
        p[rows, yb] -= 1.0
        p /= n
        da = p @ W2_.T
        da *= h > 0
        grads = [xb.T @ da, da.sum(axis=0), a.T @ p, p.sum(axis=0)]
        step += 1
        for param, grad, m, v in zip(params, grads, first, second):
            if optimizer == "adam":
                m *= BETA1
                m += (1.0 - BETA1) * grad
                v *= BETA2
                v += (1.0 - BETA2) * grad * grad
                denom = np.sqrt(v)
                denom /= (1.0 - BETA2 ** step) ** 0.5
                denom += EPS
                param -= (lr / (1.0 - BETA1 ** step)) * m / denom
            elif momentum:
                if step == 1:
                    m[...] = grad
                else:
                    m *= momentum
                    m += grad
                param -= lr * m
            else:
                param -= lr * grad
    return params[0]


def epoch_nnlib(X, y, W1, W2, shuffle_seed, optimizer):
    """nnlib's real training path: ``fit`` for one epoch."""
    import numpy as np

    from nnlib import optim
    from nnlib.layers import Linear, ReLU, Sequential
    from nnlib.losses import CrossEntropyLoss
    from nnlib.train import fit

    first, second = Linear(IN, HIDDEN, dtype=np.float32), Linear(HIDDEN, OUT, dtype=np.float32)
    first.weight.data[...] = W1
    second.weight.data[...] = W2
    model = Sequential(first, ReLU(), second)
    settings = OPTIMIZERS[optimizer][0]
    make = optim.Adam if optimizer == "adam" else optim.SGD
    shuffle = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)
    fit(model, CrossEntropyLoss(), make(model.parameters(), **settings), X, y, epochs=1,
        batch_size=BATCH, rng=shuffle, progress=False)
    return first.weight.data


def epoch_pytorch(X, y, W1, W2, shuffle_seed, optimizer):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(IN, HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, OUT))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(W1.T))
        model[2].weight.copy_(torch.from_numpy(W2.T))
        model[0].bias.zero_()
        model[2].bias.zero_()
    loss_fn = torch.nn.CrossEntropyLoss()
    settings = OPTIMIZERS[optimizer][0]
    make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    optimizer = make(model.parameters(), **settings)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    order_t = torch.from_numpy(_order(len(X), shuffle_seed))
    for start in range(0, len(X), BATCH):
        index = order_t[start:start + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(model(X_t[index]), y_t[index])
        loss.backward()
        optimizer.step()
        loss.item()  # the value a training loop reports
    return model[0].weight.detach().numpy().T


EPOCHS = {"numpy": epoch_numpy, "nnlib": epoch_nnlib, "pytorch": epoch_pytorch}


def run_one(implementation: str, optimizer: str, samples: int, threads: int) -> dict:
    """Time one epoch in this process; report seconds and peak memory above the baseline."""
    import numpy as np

    if implementation == "pytorch":
        import torch  # import before the baseline so that its libraries don't count as work

        torch.set_num_threads(threads)
        torch.manual_seed(0)
    else:
        import nnlib  # noqa: F401
    X, y, W1, W2 = _problem(samples)
    # Untimed warm-up on the same code path (PyTorch's first batches cost about a second).
    warm = WARMUP_BATCHES * BATCH
    EPOCHS[implementation](X[:warm], y[:warm], W1, W2, None, optimizer)
    baseline = _rss_kib("VmRSS")
    start, start_cpu = time.perf_counter(), time.process_time()
    W1_after = EPOCHS[implementation](X, y, W1, W2, SEED + 1, optimizer)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    return {"seconds": seconds, "cpu_seconds": cpu_seconds,
            "peak_mib": (_rss_kib("VmHWM") - baseline) / 1024,
            "checksum": float(np.abs(W1_after).sum()), "dtype": str(W1_after.dtype)}


def digits_accuracy():
    from nnlib.examples import digits_classifier

    start = time.perf_counter()
    _, _, accuracy = digits_classifier(seed=0)
    return accuracy, time.perf_counter() - start


def _child(implementation: str, optimizer: str, samples: int, threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    out = subprocess.run(
        [sys.executable, "-m", "bench.mlp_epoch", "--child", implementation, "--optimizers",
         optimizer, "--samples", str(samples), "--threads", str(threads)],
        capture_output=True, text=True, check=True, env=env,
    )
    return json.loads(out.stdout)


def _print_table(optimizer: str, results: dict, samples: int, repeats: int) -> None:
    torch_median = statistics.median(r["seconds"] for r in results["pytorch"])
    numpy_median = statistics.median(r["seconds"] for r in results["numpy"])
    print(f"\n{OPTIMIZERS[optimizer][1]}: one epoch, 784-256-10 ReLU MLP, {samples:,} float32 "
          f"samples, batch {BATCH}, {repeats} interleaved runs")
    header = (f"{'implementation':<16}{'min s':>8}{'median s':>10}{'vs numpy':>10}"
              f"{'vs PyTorch':>12}{'CPU s':>8}{'peak MiB':>10}{'|W1| vs numpy':>15}")
    print(header)
    print("-" * len(header))
    reference_checksum = results["numpy"][0]["checksum"]
    for name in IMPLEMENTATIONS:
        times = [r["seconds"] for r in results[name]]
        median = statistics.median(times)
        peak = max(r["peak_mib"] for r in results[name])
        cpu = statistics.median(r["cpu_seconds"] for r in results[name])
        dtype = results[name][0]["dtype"]
        note = "" if dtype == "float32" else f"  (weights came back {dtype})"
        print(f"{LABELS[name]:<16}{min(times):>8.3f}{median:>10.3f}{median / numpy_median:>10.2f}"
              f"{median / torch_median:>12.2f}{cpu:>8.3f}{peak:>10.1f}"
              f"{results[name][0]['checksum'] / reference_checksum - 1:>+15.1e}{note}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for numpy's BLAS and for PyTorch (default: all cores)")
    parser.add_argument("--optimizers", nargs="+", choices=sorted(OPTIMIZERS),
                        default=["sgd", "momentum", "adam"])
    parser.add_argument("--no-digits", action="store_true", help="skip the digits classifier")
    parser.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.child, args.optimizers[0], args.samples, args.threads)))
        return

    print(f"numpy's BLAS and PyTorch both use {args.threads} thread(s); each run is a fresh "
          f"process that trains {WARMUP_BATCHES} untimed batches first.")
    for optimizer in args.optimizers:
        results = {name: [] for name in IMPLEMENTATIONS}
        for repeat in range(args.repeats):
            for name in IMPLEMENTATIONS:
                results[name].append(_child(name, optimizer, args.samples, args.threads))
            print(f"{optimizer}: run {repeat + 1}/{args.repeats} done", file=sys.stderr)
        _print_table(optimizer, results, args.samples, args.repeats)
    print("(ratios are of medians; CPU s is the median processor time of all threads, which a "
          "busy machine inflates less than the wall time; the last column is the relative "
          "difference of sum|W1| after the epoch: all three did the same work)")
    if not args.no_digits:
        accuracy, seconds = digits_accuracy()
        print(f"\nDigits (nnlib.examples.digits_classifier: 64-256-128-10 MLP with batch norm and "
              f"dropout, AdamW, 30 epochs): test accuracy {accuracy:.2%}, trained in "
              f"{seconds:.1f} s")


if __name__ == "__main__":
    main()
