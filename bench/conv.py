"""Forward + backward of the image and sequence layers: nnlib vs PyTorch (CPU), float32.

Run from the repository root::

    python -m bench.conv [--repeats 20] [--threads N]

Each row times one forward and one backward pass (with a random upstream gradient) of the same
layer with the same weights on the same batch; the table shows the median over ``--repeats``
runs after two untimed ones, and the largest absolute difference of the input gradients (both
did the same work). numpy's BLAS and PyTorch use the same number of threads, set before numpy
loads. nnlib's Conv2d is im2col by ``sliding_window_view`` + ``tensordot`` and col2im by a loop
over the kernel offsets; PyTorch's is a tuned native kernel, so this shows what the readable
version costs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _cases(np, torch, layers):
    """name -> (nnlib layer, torch layer, input shape)."""
    rng = np.random.default_rng(0)

    def conv(c_in, c_out, k, stride, padding):
        ours = layers.Conv2d(c_in, c_out, k, stride=stride, padding=padding, rng=rng,
                             dtype=np.float32)
        ours.bias.data[...] = rng.standard_normal(c_out)
        theirs = torch.nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
        return ours, theirs

    def attention(d, heads):
        ours = layers.MultiHeadAttention(d, heads, causal=True, rng=rng, dtype=np.float32)
        theirs = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        projections = (ours.q_proj, ours.k_proj, ours.v_proj)
        with torch.no_grad():
            theirs.in_proj_weight.copy_(torch.from_numpy(
                np.concatenate([p.weight.data.T for p in projections])))
            theirs.in_proj_bias.zero_()
            theirs.out_proj.weight.copy_(torch.from_numpy(ours.out_proj.weight.data.T.copy()))
            theirs.out_proj.bias.zero_()
        return ours, theirs

    return {
        "Conv2d 1->16, 3x3, pad 1, (64, 1, 28, 28)": (*conv(1, 16, 3, 1, 1), (64, 1, 28, 28)),
        "Conv2d 16->32, 3x3, pad 1, (64, 16, 14, 14)": (*conv(16, 32, 3, 1, 1),
                                                        (64, 16, 14, 14)),
        "Conv2d 16->32, 5x5, stride 2, (64, 16, 28, 28)": (*conv(16, 32, 5, 2, 0),
                                                           (64, 16, 28, 28)),
        "MaxPool2d 2, (64, 16, 28, 28)": (layers.MaxPool2d(2), torch.nn.MaxPool2d(2),
                                          (64, 16, 28, 28)),
        "MultiHeadAttention 64, 4 heads, causal, (32, 32, 64)": (*attention(64, 4),
                                                                 (32, 32, 64)),
        "LayerNorm 64, (32, 32, 64)": (layers.LayerNorm(64, dtype=np.float32),
                                       torch.nn.LayerNorm(64), (32, 32, 64)),
    }


def _time(step, repeats):
    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    if "numpy" in sys.modules:
        print("(numpy was already loaded: its BLAS thread count is whatever it started with)")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(args.threads))
    import numpy as np
    import torch

    from nnlib import layers

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(1)
    print(f"float32, forward + backward, median of {args.repeats} runs, {args.threads} thread(s)")
    header = f"{'layer, input':<56}{'nnlib ms':>10}{'torch ms':>10}{'ratio':>8}{'max |dx|':>11}"
    print(header)
    print("-" * len(header))
    for label, (ours, theirs, shape) in _cases(np, torch, layers).items():
        x = rng.standard_normal(shape, dtype=np.float32)
        tx = torch.from_numpy(x.copy()).requires_grad_(True)
        if isinstance(theirs, torch.nn.MultiheadAttention):
            t = shape[1]
            mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)  # True = hidden

            def torch_forward(inp, module=theirs, mask=mask):
                return module(inp, inp, inp, attn_mask=mask, need_weights=False)[0]
        else:
            torch_forward = theirs
        upstream = rng.standard_normal(ours(x).shape, dtype=np.float32)
        tupstream = torch.from_numpy(upstream)

        def nnlib_step(layer=ours, inp=x, grad=upstream):
            layer.zero_grad()
            layer(inp)
            return layer.backward(grad)

        def torch_step(forward=torch_forward, inp=tx, grad=tupstream, module=theirs):
            module.zero_grad()
            inp.grad = None
            forward(inp).backward(grad)
            return inp.grad

        ours_s, theirs_s = _time(nnlib_step, args.repeats), _time(torch_step, args.repeats)
        difference = float(np.max(np.abs(nnlib_step() - torch_step().numpy())))
        print(f"{label:<56}{ours_s * 1e3:>10.2f}{theirs_s * 1e3:>10.2f}"
              f"{ours_s / theirs_s:>8.1f}{difference:>11.1e}")


if __name__ == "__main__":
    main()
