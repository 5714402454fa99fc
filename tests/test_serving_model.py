"""The serving model's pure functions against hand-worked values, and its properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcai.model import serving as sv


def test_distinct_experts_hand_worked() -> None:
    # E = 8, k = 2 (Mixtral): one token touches its 2 experts; 8 tokens miss an expert
    # with probability 0.75^8 = 0.1001, so 8 x 0.8999 = 7.199 are read
    assert sv.distinct_experts(8.0, 2.0, 1.0) == pytest.approx(2.0)
    assert sv.distinct_experts(8.0, 2.0, 8.0) == pytest.approx(7.1991, abs=1e-4)
    assert sv.distinct_experts(8.0, 2.0, 64.0) == pytest.approx(8.0, abs=1e-6)
    # DeepSeek-V3: 256 routed experts, 8 per token; a batch of 64 touches 223.5
    assert sv.distinct_experts(256.0, 8.0, 64.0) == pytest.approx(
        256 * (1 - (1 - 8 / 256) ** 64), rel=1e-12
    )
    # a dense model is one expert chosen by every token
    assert sv.distinct_experts(1.0, 1.0, 32.0) == 1.0


def test_kv_context_hand_worked() -> None:
    # 512 in, 512 out: a decode step sees 512 + 256 tokens on average
    assert sv.kv_context_tokens(512.0, 512.0, 0.0, 0.0) == 768.0
    # Gemma 3: 5 of 6 layers with a 1,024-token window; 4,000 in / 512 out -> the global
    # layer reads 4,256, the local ones 1,024: (4,256 + 5 x 1,024) / 6 = 1,562.7
    assert sv.kv_context_tokens(4000.0, 512.0, 1024.0, 5 / 6) == pytest.approx(1562.667, 1e-5)


def test_prefill_and_attention_flops() -> None:
    # Llama 3.1 8B (8.03e9, 32 layers, 32 x 128 width), 1,000-token prompt:
    # 2 x 8.03e9 x 1000 = 1.606e13 for the weights, 2 x 32 x 1000^2 x 4096 = 2.62e11
    assert sv.prefill_flops(8.03e9, 1000.0, 32.0, 4096.0) == pytest.approx(1.606e13 + 2.62144e11)
    # one decoded token against 768 tokens of cache: 4 x 32 x 768 x 4096 = 4.03e8
    assert sv.attention_flops_per_token(768.0, 32.0, 4096.0) == pytest.approx(4.0265e8, 1e-4)


def test_decode_step_memory_bound_at_batch_one() -> None:
    # 16.06 GB of BF16 weights on an H100 (3.35 TB/s) at 80% of peak bandwidth: 5.99 ms;
    # the compute, 2 x 8.03e9 FLOP at 50% of 989 TFLOP/s, is 32 us: r = 0.0054
    t, r = sv.decode_step(16.06e9, 1.606e10, 1.0, 3.35e12, 0.8, 989e12, 0.5)
    assert t == pytest.approx(16.06e9 / 2.68e12)
    assert r == pytest.approx((1.606e10 / 4.945e14) / t)
    # tensor parallel over 4: a quarter of the time
    t4, _ = sv.decode_step(16.06e9, 1.606e10, 4.0, 3.35e12, 0.8, 989e12, 0.5)
    assert t4 == pytest.approx(t / 4)


def test_decode_step_compute_bound_at_large_batch() -> None:
    t, r = sv.decode_step(16.1e9, 1.6e10 * 4096, 1.0, 3.35e12, 0.8, 989e12, 0.5)
    assert r == 1.0
    assert t == pytest.approx(1.6e10 * 4096 / (989e12 * 0.5))


def test_power_follows_load() -> None:
    assert sv.accelerator_power_w(700.0, 0.5, 0.9, 0.0) == pytest.approx(350.0)
    assert sv.accelerator_power_w(700.0, 0.5, 0.9, 1.0) == pytest.approx(630.0)
    assert sv.accelerator_power_w(700.0, 0.5, 0.9, 0.25) == pytest.approx(420.0)


def _energy_per_request(batch: float, experts: float, per_token: float) -> float:
    """Decode energy per request of a Mixtral-like model at ``batch`` (J)."""
    dense, one = 1.6e9, 5.6e9 if experts > 1 else 0.0
    touched = sv.distinct_experts(experts, per_token, batch)
    ctx = sv.kv_context_tokens(512.0, 256.0, 0.0, 0.0)
    read = 2.0 * (dense + touched * one) + batch * ctx * 32 * 2048 * 2.0
    flops = batch * (2 * 12.9e9 + sv.attention_flops_per_token(ctx, 32.0, 4096.0))
    t, r = sv.decode_step(read, flops, 2.0, 3.35e12, 0.8, 989e12, 0.5)
    power = sv.accelerator_power_w(700.0, 0.45, 0.9, r)
    return float(256.0 * 2.0 * (power * t + 70.0 * 0.002) / batch)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(1.0, 2048.0),
    st.floats(1.0, 4.0),
    st.sampled_from([(1.0, 1.0), (8.0, 2.0), (64.0, 8.0), (256.0, 8.0)]),
)
def test_larger_batches_never_cost_more_per_request(
    b: float, factor: float, moe: tuple[float, float]
) -> None:
    """Weights (and the experts touched) are shared by more requests; KV and compute per
    request stay the same, and the power's rise with load never outweighs the sharing."""
    e, k = moe
    small, large = _energy_per_request(b, e, k), _energy_per_request(b * factor, e, k)
    assert large <= small * (1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.floats(1.0, 1e4), st.floats(1.0, 512.0), st.floats(1.0, 512.0))
def test_experts_touched_between_k_and_e(b: float, e: float, k_frac: float) -> None:
    k = max(1.0, min(e, k_frac))
    got = float(sv.distinct_experts(e, k, b))
    assert k * (1 - 1e-9) <= got <= e * (1 + 1e-12)
    assert got <= b * k * (1 + 1e-9)


def test_vectorised_like_scalars() -> None:
    b = np.array([1.0, 8.0, 64.0])
    got = sv.distinct_experts(8.0, 2.0, b)
    assert isinstance(got, np.ndarray)
    for i, x in enumerate(b):
        assert got[i] == pytest.approx(sv.distinct_experts(8.0, 2.0, float(x)))
    assert math.isfinite(float(sv.energy_kwh(700.0, 3600.0)))
    assert sv.energy_kwh(1000.0, 3600.0) == pytest.approx(1.0)
