"""fit: the History it records, validation, early stopping (with weight restoring), progress
output and reproducibility."""
import io

import numpy as np
import pytest

from nnlib import data, layers, losses, optim, regularization, train


def small_classifier(seed, dropout=0.0):
    rng = np.random.default_rng(seed)
    modules = [layers.Linear(2, 8, rng=rng), layers.Tanh()]
    if dropout:
        modules.append(layers.Dropout(dropout, rng=rng))
    modules.append(layers.Linear(8, 3, rng=rng))
    return layers.Sequential(*modules)


def three_blobs(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centres[y] + 0.5 * rng.standard_normal((n, 2)), y


def test_history_has_one_value_per_epoch_for_loss_metrics_and_validation():
    X, y = three_blobs(60, 0)
    X_val, y_val = three_blobs(30, 1)
    model = small_classifier(0)
    history = train.fit(model, losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
                        X, y, epochs=4, batch_size=16, validation=(X_val, y_val),
                        rng=np.random.default_rng(0), progress=False, metrics=("accuracy",))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 4 for values in history.history.values())
    assert history.epochs == 4 and history["loss"] is history.history["loss"]
    assert history.stopped_epoch is None and history.best_epoch is None


def test_history_without_validation_has_no_val_keys():
    X, y = three_blobs(20, 0)
    model = small_classifier(0)
    history = train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                        X, y, epochs=2, batch_size=8, rng=np.random.default_rng(0),
                        progress=False)
    assert set(history.history) == {"loss"}


def test_fit_trains_exactly_like_a_plain_loop_that_computes_every_input_gradient():
    X, y = three_blobs(50, 0)
    fitted, by_hand = small_classifier(0), small_classifier(0)
    train.fit(fitted, losses.CrossEntropyLoss(), optim.SGD(fitted.parameters(), lr=0.1,
              momentum=0.9), X, y, epochs=2, batch_size=16, rng=np.random.default_rng(5),
              progress=False)
    loss, optimizer = losses.CrossEntropyLoss(), optim.SGD(by_hand.parameters(), lr=0.1,
                                                           momentum=0.9)
    shuffle = np.random.default_rng(5)
    for _ in range(2):
        for xb, yb in data.batches(X, y, 16, shuffle):
            loss(by_hand(xb), yb)
            optimizer.zero_grad()
            assert by_hand.backward(loss.backward()).shape == xb.shape
            optimizer.step()
    for mine, reference in zip(fitted.parameters(), by_hand.parameters()):
        np.testing.assert_array_equal(mine.data, reference.data)


class RecordingLinear(layers.Linear):
    """A Linear layer that remembers what each backward call returned."""

    def backward(self, grad_out):
        self.returned = getattr(self, "returned", []) + [super().backward(grad_out)]
        return self.returned[-1]


def test_fit_skips_the_first_layers_input_gradient_and_gives_it_back_afterwards():
    X, y = three_blobs(20, 0)
    first = RecordingLinear(2, 3, rng=np.random.default_rng(0))
    model = layers.Sequential(first, layers.Tanh(), layers.Linear(3, 3))
    train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y,
              epochs=1, batch_size=8, progress=False)
    assert len(first.returned) == 3 and all(grad is None for grad in first.returned)
    assert model.needs_input_grad and first.needs_input_grad
    model(X)
    assert model.backward(np.ones((20, 3))).shape == X.shape


def test_recorded_training_loss_is_the_epoch_mean_over_all_samples():
    # With lr = 0 nothing changes, so every epoch's loss is the loss on the whole set.
    X, y = three_blobs(50, 0)
    model = small_classifier(0)
    loss = losses.CrossEntropyLoss()
    history = train.fit(model, loss, optim.SGD(model.parameters(), lr=0.0), X, y, epochs=3,
                        batch_size=16, rng=np.random.default_rng(0), progress=False)
    np.testing.assert_allclose(history["loss"], loss(model(X), y), rtol=1e-12)


def test_recorded_loss_includes_the_penalties():
    X, y = three_blobs(40, 0)
    model = small_classifier(0)
    loss = losses.CrossEntropyLoss()
    penalty = regularization.L2Penalty(regularization.weight_parameters(model), 0.5)
    history = train.fit(model, loss, optim.SGD(model.parameters(), lr=0.0), X, y, epochs=1,
                        batch_size=40, progress=False, penalties=[penalty])
    assert history["loss"][0] == pytest.approx(loss(model(X), y) + penalty.value(), rel=1e-12)


def test_clip_norm_limits_the_global_size_of_each_update():
    # One full-batch SGD step with lr = 1 moves the parameters by exactly the clipped gradient.
    X, y = three_blobs(40, 0)
    model = small_classifier(0)
    before = [p.data.copy() for p in model.parameters()]
    train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0), X, y,
              epochs=1, batch_size=40, progress=False, clip_norm=1e-3)
    step = np.sqrt(sum(np.sum((p.data - b) ** 2) for p, b in zip(model.parameters(), before)))
    assert step == pytest.approx(1e-3, rel=1e-4)


def test_validation_is_measured_in_eval_mode_on_the_final_weights():
    X, y = three_blobs(60, 0)
    X_val, y_val = three_blobs(25, 1)
    model = small_classifier(0, dropout=0.5)
    loss = losses.CrossEntropyLoss()
    history = train.fit(model, loss, optim.Adam(model.parameters(), lr=0.01), X, y, epochs=3,
                        batch_size=16, validation=(X_val, y_val), rng=np.random.default_rng(0),
                        progress=False, metrics=("accuracy",))
    model.eval()
    scores = model(X_val)
    assert history["val_loss"][-1] == pytest.approx(loss(scores, y_val), rel=1e-12)
    assert history["val_accuracy"][-1] == np.mean(np.argmax(scores, axis=1) == y_val)


def test_training_improves_the_loss():
    X, y = three_blobs(90, 0)
    model = small_classifier(0)
    history = train.fit(model, losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                        X, y, epochs=15, batch_size=16, rng=np.random.default_rng(0),
                        progress=False, metrics=("accuracy",))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.95


# --- early stopping ------------------------------------------------------------------------

def one_weight_run(early_stopping, epochs):
    """Fit y = w x to y = 2x from w = 0 by full-batch SGD, validating against y = 1x.

    The step shrinks the distance to 2 by 0.7 per epoch, so after epoch k (from 0)
    w = 2 (1 - 0.7^(k+1)): 0.6, 1.02, 1.314, 1.52, 1.66, ... The validation loss, proportional
    to (w - 1)^2, is best after epoch 1 and gets worse every epoch after it.
    """
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 1))
    model = layers.Sequential(layers.Linear(1, 1, bias=False))
    model[0].weight.data[...] = 0.0
    # d/dw mean((w x - 2x)^2) = 2 m (w - 2) with m = mean(x^2): lr = 0.3 / (2 m) gives 0.7.
    lr = 0.3 / (2.0 * np.mean(x * x))
    history = train.fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=lr), x, 2 * x,
                        epochs=epochs, batch_size=40, validation=(x, 1 * x),
                        early_stopping=early_stopping, rng=np.random.default_rng(1),
                        progress=False)
    return model, history


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    _, history = one_weight_run(train.EarlyStopping(patience=3), epochs=50)
    assert history.best_epoch == 1
    assert history.stopped_epoch == 4  # epochs 2, 3 and 4 did not improve
    assert history.epochs == 5
    assert np.argmin(history["val_loss"]) == 1


def test_early_stopping_restores_the_best_weights():
    model, _ = one_weight_run(train.EarlyStopping(patience=3), epochs=50)
    assert model[0].weight.data[0, 0] == pytest.approx(2 * (1 - 0.7 ** 2), rel=1e-12)
    # The same as a run that simply stopped after the best epoch.
    reference, _ = one_weight_run(None, epochs=2)
    np.testing.assert_array_equal(model[0].weight.data, reference[0].weight.data)


def test_early_stopping_restores_batch_norm_running_statistics_too():
    # The restored model must compute what the best epoch computed. In eval mode batch norm uses
    # its running statistics, which are not parameters, so they must be restored as well.
    X, y = three_blobs(120, 0)
    X[:, :] += 1.5 * np.random.default_rng(1).standard_normal(X.shape)  # overlap: val loss turns
    (X_val, y_val), (X, y) = (X[:40], y[:40]), (X[40:], y[40:])
    rng = np.random.default_rng(0)
    model = layers.Sequential(layers.Linear(2, 64, rng=rng), layers.BatchNorm1d(64),
                              layers.ReLU(), layers.Linear(64, 3, rng=rng))
    loss = losses.CrossEntropyLoss()
    history = train.fit(model, loss, optim.Adam(model.parameters(), lr=0.05), X, y, epochs=60,
                        batch_size=16, validation=(X_val, y_val), rng=rng, progress=False,
                        early_stopping=train.EarlyStopping(patience=5))
    assert history.stopped_epoch is not None and history.best_epoch < history.stopped_epoch
    restored = train.evaluate(model, loss, X_val, y_val)["loss"]
    assert restored == pytest.approx(history["val_loss"][history.best_epoch], rel=1e-12)


def test_early_stopping_can_keep_the_last_weights():
    model, _ = one_weight_run(train.EarlyStopping(patience=3, restore_best_weights=False),
                              epochs=50)
    assert model[0].weight.data[0, 0] == pytest.approx(2 * (1 - 0.7 ** 5), rel=1e-12)


def test_early_stopping_min_delta_ignores_small_improvements():
    # With min_delta larger than any improvement after the first epoch, epoch 0 stays best.
    _, history = one_weight_run(train.EarlyStopping(patience=2, min_delta=1e3), epochs=50)
    assert history.best_epoch == 0 and history.stopped_epoch == 2


def test_early_stopping_on_val_loss_without_validation_data_is_refused():
    model = small_classifier(0)
    X, y = three_blobs(10, 0)
    with pytest.raises(ValueError, match=r"monitors 'val_loss' but no validation data"):
        train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y,
                  epochs=2, batch_size=4, early_stopping=train.EarlyStopping(), progress=False)


def test_fit_refuses_mismatched_samples_and_labels():
    model = small_classifier(0)
    with pytest.raises(ValueError, match=r"same number of samples, got 10 and 9"):
        train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  np.zeros((10, 2)), np.zeros(9, dtype=np.int64), epochs=1, batch_size=4,
                  progress=False)


# --- output and reproducibility ------------------------------------------------------------

class FakeTerminal(io.StringIO):
    """A captured stderr that claims to be a terminal, so a progress bar would be drawn."""

    def isatty(self):
        return True


def _fit_quietly_or_not(progress):
    X, y = three_blobs(30, 0)
    model = small_classifier(0)
    train.fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y,
              epochs=3, batch_size=8, rng=np.random.default_rng(0), progress=progress)


def test_progress_false_prints_nothing_even_on_a_terminal(monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _fit_quietly_or_not(progress=False)
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out == ""


def test_progress_true_draws_a_bar_on_a_terminal(monkeypatch):
    # The counterpart of the test above: without it, "prints nothing" could pass vacuously.
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _fit_quietly_or_not(progress=True)
    assert "3/3" in terminal.getvalue()


def test_progress_true_prints_nothing_when_nobody_is_watching(capsys):
    _fit_quietly_or_not(progress=True)  # pytest's captured stderr is not a terminal
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _trained_weights(model_seed, fit_seed):
    X, y = three_blobs(60, 0)
    model = small_classifier(model_seed, dropout=0.3)
    train.fit(model, losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), X, y,
              epochs=3, batch_size=16, rng=np.random.default_rng(fit_seed), progress=False)
    return [p.data.copy() for p in model.parameters()]


def test_same_seeds_give_identical_weights_after_fit():
    for a, b in zip(_trained_weights(0, 1), _trained_weights(0, 1)):
        np.testing.assert_array_equal(a, b)


def test_another_shuffling_seed_gives_different_weights():
    first, other = _trained_weights(0, 1), _trained_weights(0, 2)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
