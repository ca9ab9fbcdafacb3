"""nnlib.transformer: the pre-norm block, position embeddings, the per-token loss."""
from __future__ import annotations

import numpy as np
import pytest

from nnlib import losses
from nnlib.gradcheck import check_module
from nnlib.transformer import (
    PositionEmbedding,
    TokenCrossEntropyLoss,
    token_accuracy,
    transformer_block,
)


@pytest.mark.parametrize("causal", [False, True])
def test_transformer_block_passes_the_gradient_check(causal):
    block = transformer_block(8, 2, 16, causal=causal, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((3, 4, 8))
    errors = check_module(block, x, rng=np.random.default_rng(2))
    # The key projection's bias adds q.b_k to every score of a query alike, which the softmax
    # ignores: its true gradient is exactly zero, so only its size is checked.
    assert np.abs(block[0].block[1].k_proj.bias.grad).max() < 1e-12
    del errors["0.block.1.k_proj.bias"]
    assert max(errors.values()) < 1e-7, errors


def test_transformer_block_is_pre_norm_with_two_residuals():
    block = transformer_block(8, 2, 16, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 3, 8))
    norm1, attention = block[0].block
    norm2, up, gelu, down = block[1].block
    h = x + attention(norm1(x))
    expected = h + down(gelu(up(norm2(h))))
    assert np.allclose(block(x), expected)


def test_causal_block_output_ignores_the_future():
    block = transformer_block(8, 2, 16, causal=True, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((1, 5, 8))
    changed = x.copy()
    changed[0, 3:] += 1.0
    assert np.allclose(block(x)[0, :3], block(changed)[0, :3])
    assert not np.allclose(block(x)[0, 3:], block(changed)[0, 3:])


def test_position_embedding_adds_one_row_per_position_and_passes_the_gradient_check():
    embed = PositionEmbedding(5, 4, rng=np.random.default_rng(0))
    x = np.zeros((2, 3, 4))
    assert np.array_equal(embed(x)[1], embed.weight.data[:3])
    errors = check_module(embed, np.random.default_rng(1).standard_normal((2, 3, 4)),
                          rng=np.random.default_rng(2))
    assert max(errors.values()) < 1e-8
    assert np.all(embed.weight.grad[3:] == 0)  # positions never seen get no gradient


def test_position_embedding_refuses_a_sequence_longer_than_its_table():
    with pytest.raises(ValueError, match=r"\(batch, <= 5, 4\), got \(1, 6, 4\)"):
        PositionEmbedding(5, 4)(np.zeros((1, 6, 4)))


def test_token_cross_entropy_is_the_mean_over_all_tokens():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, size=(3, 4))
    token, flat = TokenCrossEntropyLoss(), losses.CrossEntropyLoss()
    assert token(logits, targets) == pytest.approx(flat(logits.reshape(12, 5), targets.reshape(12)))
    assert np.allclose(token.backward(), flat.backward().reshape(3, 4, 5))
    with pytest.raises(ValueError, match=r"target must have shape \(3, 4\).*got \(3,\)"):
        token(logits, targets[:, 0])


def test_token_accuracy_counts_positions():
    scores = np.zeros((1, 3, 2))
    scores[0, :, 1] = [1.0, -1.0, 1.0]
    assert token_accuracy(scores, np.array([[1, 1, 0]])) == pytest.approx(1 / 3)
