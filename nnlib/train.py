"""Training loop: ``fit`` with mini-batches, validation, metrics, early stopping and a progress bar."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nnlib._validate import generator, non_negative, positive_int
from nnlib.data import batches
from nnlib.losses import BCEWithLogitsLoss, Loss
from nnlib.metrics import accuracy
from nnlib.module import Module
from nnlib.optim import Optimizer, clip_grad_norm


@dataclass
class History:
    """What ``fit`` recorded: ``history[name]`` is a list with one value per epoch.

    Keys: ``"loss"`` (mean training loss over the epoch's batches, including any penalty),
    ``"val_loss"`` when validation data is given, and each metric (``"accuracy"``,
    ``"val_accuracy"``). ``stopped_epoch`` and ``best_epoch`` are set by early stopping (0-based).
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    stopped_epoch: int | None = None
    best_epoch: int | None = None

    def record(self, name: str, value: float) -> None:
        self.history.setdefault(name, []).append(float(value))

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]


def _model_state(model: Module) -> list[np.ndarray]:
    """The arrays that decide what ``model`` computes: every parameter's values, then every
    public array attribute of every module (batch norm's ``running_mean`` and ``running_var``).

    Private attributes (``_x``, ``_cache``, ``_mask``) are caches of the last pass, not state.
    """
    arrays = [p.data for p in model.parameters()]
    seen: set[int] = set()

    def visit(module: Module) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        for name, value in vars(module).items():
            if isinstance(value, np.ndarray) and not name.startswith("_"):
                arrays.append(value)
        for _, child in module.named_children():
            visit(child)

    visit(model)
    return arrays


class EarlyStopping:
    """Stop when the monitored value has not improved by ``min_delta`` for ``patience`` epochs.

    An epoch "improves" when the value is below the best so far minus ``min_delta``. With
    ``restore_best_weights`` (the default) the model's state (its parameters, and running
    statistics such as batch norm's) is put back to that of the best epoch when training stops,
    so the model you get is the one that validated best, not the last one.
    """

    def __init__(self, patience=5, min_delta=0.0, monitor="val_loss", restore_best_weights=True):
        self.patience = positive_int(patience, "patience")
        self.min_delta = non_negative(min_delta, "min_delta")
        self.monitor = monitor
        self.restore_best_weights = bool(restore_best_weights)
        self.reset()

    def reset(self) -> None:
        self.best = np.inf
        self.best_epoch = None
        self.wait = 0
        self._best_weights = None

    def update(self, epoch: int, value: float, model: Module) -> bool:
        """Record this epoch's value; return True if training should stop now."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = [array.copy() for array in _model_state(model)]
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self, model: Module) -> None:
        """Copy the best epoch's weights back into ``model`` (if they were kept)."""
        if self.restore_best_weights and self._best_weights is not None:
            for array, best in zip(_model_state(model), self._best_weights):
                array[...] = best


def _progress_wanted(progress: bool) -> bool:
    """A bar only when asked for and someone can see it: a terminal or a live notebook."""
    if not progress:
        return False
    if getattr(sys.stderr, "isatty", lambda: False)():
        return True
    shell = sys.modules.get("IPython")
    ipython = shell.get_ipython() if shell is not None else None
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def _metric_functions(metrics, loss: Loss) -> dict[str, Callable]:
    threshold = 0.0 if isinstance(loss, BCEWithLogitsLoss) else 0.5
    functions = {}
    for metric in metrics:
        if metric == "accuracy":
            functions["accuracy"] = lambda s, t: accuracy(s, t, threshold=threshold)
        elif callable(metric):
            functions[getattr(metric, "__name__", "metric")] = metric
        else:
            raise ValueError(f'metrics must be "accuracy" or callables (scores, targets), got {metric!r}')
    return functions


def evaluate(model: Module, loss: Loss, X, y, metrics=(), batch_size=1024) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``(X, y)`` in evaluation mode (the mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        scores = np.concatenate([model(xb) for xb, _ in batches(X, y, batch_size)])
    finally:
        model.train(was_training)
    results = {"loss": loss(scores, y)}
    for name, fn in _metric_functions(metrics, loss).items():
        results[name] = fn(scores, y)
    return results


def _train_epoch(model: Module, loss: Loss, optimizer: Optimizer, batch_iterator, penalties,
                 clip_norm, keep_outputs: bool):
    """One pass of mini-batch descent in training mode.

    Returns the loss averaged over all samples, and (if ``keep_outputs``) the model's outputs and
    the targets of every batch, for the metrics.
    """
    model.train()
    total, count, scores, targets = 0.0, 0, [], []
    needed = model.needs_input_grad
    model.needs_input_grad = False  # the data needs no gradient: the first layer may skip it
    try:
        for xb, yb in batch_iterator:
            out = model(xb)
            batch_loss = loss(out, yb) + sum(p.value() for p in penalties)
            optimizer.zero_grad()
            model.backward(loss.backward())
            for penalty in penalties:
                penalty.backward()
            if clip_norm is not None:
                clip_grad_norm(optimizer.params, clip_norm)
            optimizer.step()
            total += batch_loss * len(xb)
            count += len(xb)
            if keep_outputs:
                scores.append(out)
                targets.append(yb)
    finally:
        model.needs_input_grad = needed
    return total / count, scores, targets


def fit(model: Module, loss: Loss, optimizer: Optimizer, X, y, epochs, batch_size,
        validation=None, early_stopping: EarlyStopping | None = None, rng=None, progress=True,
        metrics=(), penalties=(), clip_norm=None) -> History:
    """Train ``model`` with mini-batch gradient descent; return a :class:`History`.

    Each epoch shuffles ``(X, y)`` with ``rng`` and, for each batch: forward, loss (plus any
    ``penalties``, see :mod:`nnlib.regularization`), zero the gradients, backward, optionally clip
    the global gradient norm to ``clip_norm``, optimizer step. After each epoch, if
    ``validation=(X_val, y_val)`` is given, the model is evaluated in eval mode.

    Args:
        metrics: e.g. ``("accuracy",)``; recorded on the training batches (as seen during
            the epoch, in training mode) and on the validation data as ``"val_<name>"``.
        early_stopping: an :class:`EarlyStopping`, monitoring ``"val_loss"`` (or ``"loss"``).
        rng: a ``np.random.Generator`` for shuffling; the same seed gives the same run.
        progress: show a tqdm bar over epochs; it is off anyway when output is neither a
            terminal nor a live notebook (for example in CI or a book build).
    """
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    rng = generator(rng)
    metric_functions = _metric_functions(metrics, loss)
    history = History()
    if early_stopping is not None:
        early_stopping.reset()
        if early_stopping.monitor.startswith("val_") and validation is None:
            raise ValueError(f"early stopping monitors {early_stopping.monitor!r} but no validation data was given")

    epoch_range = range(epochs)
    bar = None
    if _progress_wanted(progress):
        from tqdm.auto import tqdm

        bar = tqdm(epoch_range, desc="fit", unit="epoch")
        epoch_range = bar

    for epoch in epoch_range:
        mean_loss, scores, targets = _train_epoch(
            model, loss, optimizer, batches(X, y, batch_size, rng), penalties, clip_norm,
            keep_outputs=bool(metric_functions),
        )
        history.record("loss", mean_loss)
        if metric_functions:
            all_scores, all_targets = np.concatenate(scores), np.concatenate(targets)
            for name, fn in metric_functions.items():
                history.record(name, fn(all_scores, all_targets))
        if validation is not None:
            for name, value in evaluate(model, loss, *validation, metrics=metrics).items():
                history.record(f"val_{name}", value)
        if bar is not None:
            bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.history.items()})
        if early_stopping is not None:
            if early_stopping.update(epoch, history.history[early_stopping.monitor][-1], model):
                history.stopped_epoch = epoch
                break
    if bar is not None:
        bar.close()
    if early_stopping is not None:
        history.best_epoch = early_stopping.best_epoch
        early_stopping.restore(model)
    return history


__all__ = ["History", "EarlyStopping", "fit", "evaluate"]
