"""One training epoch of a 784-256-10 ReLU MLP: nnlib vs PyTorch vs a bare numpy loop.

Run from the repository root::

    python -m bench.mlp_epoch [--repeats 5] [--samples 60000]

Each measurement runs in a fresh subprocess (so peak memory is that of one epoch, and no
implementation warms a cache for another), and the repeats are interleaved (torch, numpy, nnlib,
torch, ...) so that load from other processes hits all three alike. Every implementation does
the same work: 60,000 synthetic float32 samples, batch 128, shuffled, plain SGD (lr 0.05),
softmax cross-entropy, same initial weights. Then the digits classifier is trained once and its
test accuracy and time are printed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

IN, HIDDEN, OUT, BATCH, LR = 784, 256, 10, 128, 0.05
IMPLEMENTATIONS = ("pytorch", "numpy", "nnlib")


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _problem(samples: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, IN), dtype=np.float32)
    y = rng.integers(0, OUT, size=samples)
    W1 = (rng.standard_normal((IN, HIDDEN)) * np.sqrt(2.0 / IN)).astype(np.float32)
    W2 = (rng.standard_normal((HIDDEN, OUT)) * np.sqrt(2.0 / HIDDEN)).astype(np.float32)
    order = rng.permutation(samples)
    return X, y, W1, W2, order


def epoch_numpy(X, y, W1, W2, order):
    """The practical limit: the same arithmetic as plain numpy statements, no classes."""
    W1, W2 = W1.copy(), W2.copy()
    b1, b2 = np.zeros(HIDDEN, np.float32), np.zeros(OUT, np.float32)
    for start in range(0, len(X), BATCH):
        index = order[start:start + BATCH]
        xb, yb = X[index], y[index]
        n = len(xb)
        h = xb @ W1
        h += b1
        a = np.maximum(h, 0.0)
        z = a @ W2
        z += b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), yb] -= 1.0
        p /= n
        dW2 = a.T @ p
        db2 = p.sum(axis=0)
        da = p @ W2.T
        da *= h > 0
        dW1 = xb.T @ da
        db1 = da.sum(axis=0)
        W1 -= LR * dW1
        b1 -= LR * db1
        W2 -= LR * dW2
        b2 -= LR * db2
    return W1


def epoch_nnlib(X, y, W1, W2, order):
    from nnlib.layers import Linear, ReLU, Sequential
    from nnlib.losses import CrossEntropyLoss
    from nnlib.optim import SGD

    first, second = Linear(IN, HIDDEN, dtype=np.float32), Linear(HIDDEN, OUT, dtype=np.float32)
    first.weight.data[...] = W1
    second.weight.data[...] = W2
    model = Sequential(first, ReLU(), second)
    loss = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR)
    for start in range(0, len(X), BATCH):
        index = order[start:start + BATCH]
        xb, yb = X[index], y[index]
        loss(model(xb), yb)
        optimizer.zero_grad()
        model.backward_to_parameters(loss.backward())
        optimizer.step()
    return first.weight.data


def epoch_pytorch(X, y, W1, W2, order):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(IN, HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, OUT))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(W1.T))
        model[2].weight.copy_(torch.from_numpy(W2.T))
        model[0].bias.zero_()
        model[2].bias.zero_()
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    X_t, y_t, order_t = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(order)
    for start in range(0, len(X), BATCH):
        index = order_t[start:start + BATCH]
        optimizer.zero_grad()
        loss_fn(model(X_t[index]), y_t[index]).backward()
        optimizer.step()
    return model[0].weight.detach().numpy().T


EPOCHS = {"numpy": epoch_numpy, "nnlib": epoch_nnlib, "pytorch": epoch_pytorch}


def run_one(implementation: str, samples: int) -> dict:
    """Time one epoch in this process; report seconds and peak memory above the baseline."""
    if implementation == "pytorch":
        import torch  # import before the baseline so that its libraries don't count as work

        torch.manual_seed(0)
    else:
        import nnlib  # noqa: F401
    problem = _problem(samples)
    baseline = _rss_kib("VmRSS")
    start = time.perf_counter()
    W1 = EPOCHS[implementation](*problem)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mib": (_rss_kib("VmHWM") - baseline) / 1024,
            "checksum": float(np.abs(W1).sum())}


def digits_accuracy():
    from nnlib.examples import digits_classifier

    start = time.perf_counter()
    _, _, accuracy = digits_classifier(seed=0)
    return accuracy, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.child, args.samples)))
        return

    results = {name: [] for name in IMPLEMENTATIONS}
    for repeat in range(args.repeats):
        for name in IMPLEMENTATIONS:
            out = subprocess.run(
                [sys.executable, "-m", "bench.mlp_epoch", "--child", name, "--samples",
                 str(args.samples)], capture_output=True, text=True, check=True,
            )
            results[name].append(json.loads(out.stdout))
        print(f"repeat {repeat + 1}/{args.repeats} done", file=sys.stderr)

    torch_median = statistics.median(r["seconds"] for r in results["pytorch"])
    numpy_median = statistics.median(r["seconds"] for r in results["numpy"])
    print(f"\nOne epoch, 784-256-10 ReLU MLP, {args.samples:,} float32 samples, batch {BATCH}, "
          f"SGD, cross-entropy; {args.repeats} interleaved repeats, each in a fresh process\n")
    header = (f"{'implementation':<16}{'min s':>8}{'median s':>10}{'vs PyTorch':>12}"
              f"{'vs numpy':>10}{'peak MiB':>10}{'|W1| vs numpy':>15}")
    print(header)
    print("-" * len(header))
    reference_checksum = results["numpy"][0]["checksum"]
    for name in IMPLEMENTATIONS:
        times = [r["seconds"] for r in results[name]]
        median = statistics.median(times)
        peak = max(r["peak_mib"] for r in results[name])
        label = {"numpy": "bare numpy loop", "pytorch": "PyTorch (CPU)", "nnlib": "nnlib"}[name]
        print(f"{label:<16}{min(times):>8.3f}{median:>10.3f}{median / torch_median:>12.2f}"
              f"{median / numpy_median:>10.2f}{peak:>10.1f}"
              f"{results[name][0]['checksum'] / reference_checksum - 1:>+15.1e}")
    print("(last column: relative difference of sum|W1| after the epoch: all three did the same work)")
    accuracy, seconds = digits_accuracy()
    print(f"\nDigits (nnlib.examples.digits_classifier: 64-256-128-10 MLP with batch norm and "
          f"dropout, AdamW, 30 epochs): test accuracy {accuracy:.2%}, trained in {seconds:.1f} s")


if __name__ == "__main__":
    main()
