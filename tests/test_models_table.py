"""The packaged LLM architecture table: coverage, internal consistency and parameter arithmetic."""

from __future__ import annotations

import math

import pytest

from lcai import catalog
from lcai.catalog import _normalise

T = catalog.table("models")
KEYS = T.keys()

REQUIRED = ("parameters", "active_parameters", "layers", "kv_heads", "head_dim", "weight_bits")

# Falcon and BLOOM use a non-gated 4 x hidden GELU MLP (two matrices); others a gated FFN (three).
NON_GATED_FFN = {"falcon-7b", "falcon-40b", "falcon-180b", "bloom-176b"}
# DeepSeek MLA attention cannot be rebuilt from heads x head_dim (its low-rank projections are
# not tabulated).
MLA = {"deepseek-v3", "deepseek-r1"}
# OpenAI's active count for gpt-oss leaves out the input-embedding table (it keeps the unembedding).
ACTIVE_WITHOUT_INPUT_EMBEDDING = {"gpt-oss-20b", "gpt-oss-120b"}


def q(key: str, quantity: str) -> float:
    return T.row(key, quantity).value


def opt(key: str, quantity: str, default: float = 0.0) -> float:
    return q(key, quantity) if T.has(key, quantity) else default


def is_moe(key: str) -> bool:
    return T.has(key, "experts")


def attention_params(key: str) -> float:
    """q and o projections (heads x head_dim wide) plus k and v (kv_heads x head_dim wide)."""
    h, hd = q(key, "hidden_size"), q(key, "head_dim")
    return 2 * h * q(key, "attention_heads") * hd + 2 * h * q(key, "kv_heads") * hd


def embedding_params(key: str) -> float:
    matrices = 1 if q(key, "tied_embeddings") else 2
    return matrices * q(key, "vocab_size") * q(key, "hidden_size")


def dense_total(key: str) -> float:
    h, layers = q(key, "hidden_size"), q(key, "layers")
    ffn = (2 if key in NON_GATED_FFN else 3) * h * q(key, "intermediate_size")
    return embedding_params(key) + layers * (attention_params(key) + ffn)


def expert_params(key: str) -> float:
    """One gated expert: gate, up and down projections."""
    return 3 * q(key, "hidden_size") * q(key, "expert_intermediate_size")


def moe_layer_count(key: str) -> float:
    return opt(key, "moe_layers", q(key, "layers"))


def moe_totals(key: str) -> tuple[float, float]:
    """(total, active) parameters rebuilt from the table for a standard (non-MLA) MoE model."""
    h, layers, n_moe = q(key, "hidden_size"), q(key, "layers"), moe_layer_count(key)
    dense_ffn = (layers - n_moe) * 3 * h * opt(key, "intermediate_size")
    shared = opt(key, "shared_experts")
    common = layers * attention_params(key) + dense_ffn
    total = (
        embedding_params(key) + common + n_moe * (q(key, "experts") + shared) * expert_params(key)
    )
    emb_active = embedding_params(key)
    if key in ACTIVE_WITHOUT_INPUT_EMBEDDING:
        emb_active -= q(key, "vocab_size") * h
    active = (
        emb_active + common + n_moe * (q(key, "experts_per_token") + shared) * expert_params(key)
    )
    return total, active


def kv_bytes_per_token(key: str, bytes_per_element: float = 2.0) -> float:
    """KV cache of one token over all layers (no sliding-window cap)."""
    per_layer = opt(key, "kv_elements_per_layer") or 2 * q(key, "kv_heads") * q(key, "head_dim")
    return per_layer * q(key, "layers") * bytes_per_element


def test_coverage_and_families() -> None:
    assert len(KEYS) >= 32
    for key in (
        "llama-2-7b",
        "llama-2-13b",
        "llama-2-70b",
        "llama-3-8b",
        "llama-3-70b",
        "llama-3.1-8b",
        "llama-3.1-70b",
        "llama-3.1-405b",
        "llama-3.3-70b",
        "llama-4-scout-17b-16e",
        "llama-4-maverick-17b-128e",
        "qwen2.5-7b",
        "qwen2.5-14b",
        "qwen2.5-32b",
        "qwen2.5-72b",
        "qwen3-8b",
        "qwen3-32b",
        "qwen3-30b-a3b",
        "qwen3-235b-a22b",
        "deepseek-v3",
        "deepseek-r1",
        "mistral-7b",
        "mistral-small-3-24b",
        "mixtral-8x7b",
        "mixtral-8x22b",
        "gemma-2-9b",
        "gemma-2-27b",
        "gemma-3-12b",
        "gemma-3-27b",
        "phi-3-mini",
        "phi-4",
        "olmo-2-7b",
        "olmo-2-13b",
        "gpt-oss-20b",
        "gpt-oss-120b",
        "falcon-7b",
        "falcon-40b",
        "bloom-176b",
    ):
        assert key in KEYS, key


def test_table_card_is_complete() -> None:
    assert T.version == "2026.2"  # the catalog version the table came in
    assert T.licence
    used = {r.quantity for r in T.rows}
    assert used <= set(T.quantities), used - set(T.quantities)
    for name, spec in T.quantities.items():
        assert spec["unit"] == "1", name
        assert spec["description"], name


@pytest.mark.parametrize("key", KEYS)
def test_every_model_has_the_core_quantities(key: str) -> None:
    for quantity in REQUIRED:
        assert T.has(key, quantity), f"{key} lacks {quantity}"
    for r in T.filter(key=key):
        assert r.unit == "1"
        assert r.value >= 0
        assert r.note, f"{key}.{r.quantity} needs a note saying where it comes from"
        if r.quantity != "weight_bits" and r.quantity != "tied_embeddings":
            assert r.value == int(r.value), f"{key}.{r.quantity} is a count"
    assert 2022 <= T.row(key, "layers").year <= 2026


@pytest.mark.parametrize("key", KEYS)
def test_counts_are_consistent(key: str) -> None:
    total, active = q(key, "parameters"), q(key, "active_parameters")
    assert 1e9 < active <= total < 2e12
    heads, kv = q(key, "attention_heads"), q(key, "kv_heads")
    assert 1 <= kv <= heads
    assert heads % kv == 0, f"{key}: {heads} heads not divisible by {kv} KV heads"
    assert 32 <= q(key, "head_dim") <= 256
    assert q(key, "tied_embeddings") in (0, 1)
    assert 4 <= q(key, "weight_bits") <= 16
    assert 2048 <= q(key, "context_length") <= 10_485_760
    if T.has(key, "sliding_window"):
        assert 0 < q(key, "sliding_window_layers") <= q(key, "layers")
        assert q(key, "sliding_window") < q(key, "context_length")
    if T.has(key, "attention_chunk_size"):
        assert 0 < q(key, "chunked_attention_layers") < q(key, "layers")
    if not is_moe(key):
        assert active == total, f"dense {key}: active must equal total"


@pytest.mark.parametrize("key", [k for k in KEYS if is_moe(k)])
def test_moe_routing_is_consistent(key: str) -> None:
    experts, k = q(key, "experts"), q(key, "experts_per_token")
    assert experts >= k >= 1
    assert opt(key, "shared_experts") >= 0
    assert T.has(key, "expert_intermediate_size")
    assert q(key, "active_parameters") < 0.5 * q(key, "parameters")
    if T.has(key, "moe_layers"):
        assert 0 < q(key, "moe_layers") < q(key, "layers")
        assert T.has(key, "intermediate_size"), "dense layers need their FFN width"
    # Only the unrouted experts separate total from active parameters. 10%: the Llama 4 Scout card
    # total (109B) includes the vision encoder, which no text token activates (8% off; others < 3%).
    inactive = (experts - k) * moe_layer_count(key) * expert_params(key)
    implied_active = q(key, "parameters") - inactive
    if key in ACTIVE_WITHOUT_INPUT_EMBEDDING:
        implied_active -= q(key, "vocab_size") * q(key, "hidden_size")
    assert implied_active == pytest.approx(q(key, "active_parameters"), rel=0.10), key


@pytest.mark.parametrize("key", [k for k in KEYS if not is_moe(k)])
def test_dense_parameter_count_recomputes(key: str) -> None:
    """Attention q, k, v, o + 2 or 3 FFN matrices per layer + embeddings (tied or not): 3%."""
    assert dense_total(key) == pytest.approx(q(key, "parameters"), rel=0.03)


@pytest.mark.parametrize("key", [k for k in KEYS if is_moe(k) and k not in MLA])
def test_moe_parameter_counts_recompute(key: str) -> None:
    """Experts x (3 x hidden x expert width) plus the dense part, within 5% of the card."""
    total, active = moe_totals(key)
    assert total == pytest.approx(q(key, "parameters"), rel=0.05)
    assert active == pytest.approx(q(key, "active_parameters"), rel=0.05)


def test_worked_example_llama_3_1_8b() -> None:
    # 128256 x 4096 x 2 embeddings + 32 x (4096 x 4096 x 2 + 4096 x 1024 x 2 + 3 x 4096 x 14336)
    by_hand = 128256 * 4096 * 2 + 32 * (4096 * 4096 * 2 + 4096 * 1024 * 2 + 3 * 4096 * 14336)
    assert by_hand == 8_029_995_008
    assert dense_total("llama-3.1-8b") == by_hand
    assert q("llama-3.1-8b", "parameters") == pytest.approx(8.03e9, rel=1e-3)
    # KV cache: 2 x 8 heads x 128 x 32 layers x 2 bytes = 128 KiB per token in BF16.
    assert kv_bytes_per_token("llama-3.1-8b") == 128 * 1024


def test_deepseek_mla_cache_and_experts() -> None:
    for key in MLA:
        assert q(key, "kv_elements_per_layer") == 512 + 64
        assert q(key, "moe_layers") == q(key, "layers") - 3
        assert q(key, "weight_bits") == 8
        # 58 MoE layers x 256 experts x 3 x 7168 x 2048: the routed experts are ~97% of 671B.
        routed = q(key, "experts") * moe_layer_count(key) * expert_params(key)
        assert routed == pytest.approx(654e9, rel=0.01)
        assert 0.95 < routed / q(key, "parameters") < 1.0
    # 576 elements x 61 layers x 2 bytes: about 70 kB per token, ~57x less than 128 full-MHA heads.
    mla = kv_bytes_per_token("deepseek-v3")
    assert mla == 576 * 61 * 2
    mha = 2 * 128 * 128 * 61 * 2
    assert mha / mla == pytest.approx(56.9, rel=0.01)


def test_sliding_window_patterns() -> None:
    for key in ("gemma-2-9b", "gemma-2-27b"):  # local and global alternate
        assert q(key, "sliding_window") == 4096
        assert q(key, "sliding_window_layers") == q(key, "layers") / 2
    for key in ("gemma-3-12b", "gemma-3-27b"):  # 5 local : 1 global
        assert q(key, "sliding_window") == 1024
        layers = q(key, "layers")
        assert q(key, "sliding_window_layers") == layers - layers // 6
    for key in ("gpt-oss-20b", "gpt-oss-120b"):  # alternating 128-token bands
        assert q(key, "sliding_window") == 128
        assert q(key, "sliding_window_layers") == q(key, "layers") / 2
    assert q("mistral-7b", "sliding_window") == 4096
    assert q("mistral-7b", "sliding_window_layers") == q("mistral-7b", "layers")
    for key in ("llama-4-scout-17b-16e", "llama-4-maverick-17b-128e"):  # 3 chunked : 1 global
        assert q(key, "attention_chunk_size") == 8192
        assert q(key, "chunked_attention_layers") == q(key, "layers") * 3 / 4


def test_gpt_oss_weights_are_mxfp4() -> None:
    for key in ("gpt-oss-20b", "gpt-oss-120b"):
        assert q(key, "weight_bits") == 4.25
        # At ~4.25 bits the 120b MoE weights fit one 80 GB accelerator; at 16 bits they would not.
        gb = q(key, "parameters") * q(key, "weight_bits") / 8 / 1e9
        assert gb < 80
        assert q(key, "parameters") * 2 / 1e9 > gb * 3.5


def test_decode_bytes_scale_with_active_parameters() -> None:
    # MoE decode reads only the routed experts: Mixtral 8x7B reads ~28% of its weights per token.
    frac = q("mixtral-8x7b", "active_parameters") / q("mixtral-8x7b", "parameters")
    assert frac == pytest.approx(12.9 / 46.7, rel=1e-6)
    assert 0.25 < frac < 0.30
    # A tied embedding is stored once, so the total counts vocab x hidden once.
    assert q("gemma-2-9b", "tied_embeddings") == 1
    assert embedding_params("gemma-2-9b") == 256000 * 3584


def test_aliases_resolve_and_never_collide() -> None:
    for name, key in (
        ("Llama-3.1-8B", "llama-3.1-8b"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("llama3.1-8b", "llama-3.1-8b"),
        ("DeepSeek-R1", "deepseek-r1"),
        ("deepseek-ai/DeepSeek-V3", "deepseek-v3"),
        ("Qwen/Qwen3-30B-A3B", "qwen3-30b-a3b"),
        ("Mixtral 8x7B", "mixtral-8x7b"),
        ("openai/gpt-oss-120b", "gpt-oss-120b"),
        ("google/gemma-3-27b-it", "gemma-3-27b"),
        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick-17b-128e"),
        ("mistralai/Mistral-Small-24B-Instruct-2501", "mistral-small-3-24b"),
        ("bigscience/bloom", "bloom-176b"),
    ):
        assert T.resolve(name) == key, name
    owners: dict[str, set[str]] = {}
    for key in KEYS:
        owners.setdefault(_normalise(key), set()).add(key)
        owners.setdefault(_normalise(T.label(key)), set()).add(key)
    for alias, key in T.aliases.items():
        owners.setdefault(_normalise(alias), set()).add(key)
    clashes = {n: ks for n, ks in owners.items() if len(ks) > 1}
    assert not clashes


def test_sources_are_cited_publications() -> None:
    bib = catalog.bibliography()
    for r in T.rows:
        src = bib[r.source_id]
        assert src.url.startswith("https://"), r.source_id
        assert not math.isnan(r.value)
