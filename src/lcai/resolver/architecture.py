"""The served model's architecture as parameters: its size, the split of its weights
between always-read and routed-expert parameters, its KV cache per token and its
attention width, from the file's numbers and the catalog's models table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lcai import catalog
from lcai.engine.plan import Params, Status
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.factors import derive
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import PRECISION_BYTES, ServedModel

__all__ = ["Architecture", "architecture"]

PRE = "usage.inference.model"
PATH: tuple[str | int, ...] = ("usage", "inference", "model")
_DEFAULT_PRECISION = "bf16"


@dataclass(frozen=True)
class Architecture:
    """Parameter keys of the served model (all per model replica)."""

    label: str
    total: str
    active: str
    experts: str
    experts_per_token: str
    expert_parameters: str
    """Parameters of one routed expert over all MoE layers (0 for a dense model)."""
    dense_parameters: str
    """Parameters every step reads: all but the routed experts."""
    layers: str
    kv_elements: str
    """KV-cache values per token and layer."""
    attention_width: str
    """Query heads x head dimension."""
    window: str
    windowed_share: str
    weight_bytes: str
    """Bytes per weight."""
    kv_bytes: str
    """Bytes per KV-cache value."""
    weight_bits: float
    moe: bool
    context_length: float | None = None
    """The named model's context window [tokens] (None for a model given by numbers)."""


def _table_key(ledger: Ledger, name: str) -> str:
    return ledger.catalog_key("models", name, path=(*PATH, "name"), kind="model")


def _nearest(total: float, moe: bool) -> str:
    """The packaged model closest in size (log scale), MoE or dense like the file's."""
    tab = catalog.table("models")
    best, gap = "", float("inf")
    names = tab.keys()
    for key in names:
        if not tab.has(key, "parameters") or tab.has(key, "experts") != moe:
            continue
        size = tab.row(key, "parameters").value
        if abs(size / total - 1.0) < gap:
            best, gap = key, abs(size / total - 1.0)
    return best


class _Reader:
    """Numbers of the model: the file's, else the models table's row ``key``."""

    def __init__(self, ledger: Ledger, m: ServedModel, key: str, assumed: bool) -> None:
        self.ledger, self.m, self.key, self.assumed = ledger, m, key, assumed
        self.tab = catalog.table("models")

    def has(self, q: str) -> bool:
        return getattr(self.m, q, None) is not None or (
            bool(self.key) and self.tab.has(self.key, q)
        )

    def get(self, q: str, default: float | None = None) -> str:
        given = getattr(self.m, q, None)
        if given is not None:
            return self.ledger.user(f"{PRE}.{q}", given, "1")
        if self.key and self.tab.has(self.key, q):
            note = f"architecture of {self.tab.label(self.key)} assumed" if self.assumed else ""
            status: Status = "default" if self.assumed else "table"
            return self.ledger.factor(
                f"{PRE}.{q}",
                "models",
                self.key,
                q,
                "1",
                path=PATH,
                kind="model",
                status=status,
                note=note,
            )
        if default is None:
            raise SpecError(f"the model's '{q}' is not known; give it", path=(*PATH, q))
        return self.ledger.add(f"{PRE}.{q}", default, "1", "derived", None, f"no {q}")


def _precision(ledger: Ledger, r: _Reader, bytes_per_parameter: float | None) -> tuple[str, float]:
    """(key of bytes per weight, bits per weight)."""
    if bytes_per_parameter is not None:
        k = ledger.user("usage.inference.bytes_per_parameter", bytes_per_parameter, "1")
        return k, 8.0 * bytes_per_parameter
    if r.m.weight_precision is not None:
        b = PRECISION_BYTES[r.m.weight_precision]
        note = f"weights in {r.m.weight_precision}"
        k = ledger.add(f"{PRE}.weight_bytes", b, "1", "user", None, note)
        return k, 8.0 * b
    if r.key and r.tab.has(r.key, "weight_bits") and not r.assumed:
        f = r.tab.factor(r.key, "weight_bits", "1")
        note = f"the released weights' precision, {f.value:g} bits"
        k = ledger.add(f"{PRE}.weight_bytes", f.value / 8.0, "1", "table", f.source_id, note)
        return k, f.value
    note = f"no weight precision given: {_DEFAULT_PRECISION}"
    k = ledger.add(
        f"{PRE}.weight_bytes", PRECISION_BYTES[_DEFAULT_PRECISION], "1", "default", None, note
    )
    return k, 8.0 * PRECISION_BYTES[_DEFAULT_PRECISION]


def _experts(ledger: Ledger, r: _Reader, total: str, active: str) -> tuple[str, str, str, str]:
    """Keys of (experts, experts per token, one expert's parameters, dense parameters); the
    last two follow the samples of total and active parameters."""
    if r.has("experts") and r.has("experts_per_token"):
        e, k = r.get("experts"), r.get("experts_per_token")
    else:
        e = ledger.add(f"{PRE}.experts", 1.0, "1", "derived", None, "dense model")
        k = ledger.add(f"{PRE}.experts_per_token", 1.0, "1", "derived", None, "dense model")
    ev, kv = ledger.value(e), ledger.value(k)
    t, a = ledger.value(total), ledger.value(active)
    if ev > 1 and a >= t:
        raise SpecError(
            f"{ev:g} experts with {kv:g} per token need fewer active than total parameters",
            path=(*PATH, "active_parameters"),
        )
    if a < t and ev <= kv:
        raise SpecError(
            f"{a:.4g} of {t:.4g} parameters active needs more experts than experts per token "
            f"(got {ev:g} and {kv:g})",
            path=(*PATH, "experts"),
        )
    one = (t - a) / (ev - kv) if ev > kv else 0.0
    if t - ev * one < 0:
        raise SpecError(
            f"{t:.4g} total and {a:.4g} active parameters do not fit {ev:g} experts with "
            f"{kv:g} per token",
            path=(*PATH, "active_parameters"),
        )

    def one_expert(p: Params) -> Num:
        return np.where(p[e] > p[k], (p[total] - p[active]) / np.maximum(p[e] - p[k], 1e-300), 0.0)

    one_k = derive(
        ledger,
        f"{PRE}.expert_parameters",
        one_expert,
        "1",
        "(total - active) / (experts - experts per token)",
    )
    dense_k = derive(
        ledger,
        f"{PRE}.dense_parameters",
        lambda p: np.maximum(p[total] - p[e] * p[one_k], 0.0),
        "1",
        "total - experts x one expert's parameters: attention, embeddings, shared experts",
    )
    return e, k, one_k, dense_k


def _attention(ledger: Ledger, r: _Reader) -> tuple[str, str, str, str, str]:
    """Keys of (layers, KV values per token and layer, attention width, sliding window,
    share of layers with the window), the derived ones following the samples."""
    layers = r.get("layers")
    heads = r.get("attention_heads")
    head_dim = r.get("head_dim")
    if r.has("kv_elements_per_layer"):
        kv_el = r.get("kv_elements_per_layer")
    else:
        kv_heads = r.get("kv_heads")
        if ledger.value(kv_heads) > ledger.value(heads):
            raise SpecError(
                f"kv_heads ({ledger.value(kv_heads):g}) cannot exceed attention_heads "
                f"({ledger.value(heads):g})",
                path=(*PATH, "kv_heads"),
            )
        kv_el = derive(
            ledger,
            f"{PRE}.kv_elements_per_layer",
            lambda p: 2.0 * p[kv_heads] * p[head_dim],
            "1",
            "2 x kv_heads x head_dim (keys and values)",
        )
    width = derive(
        ledger,
        f"{PRE}.attention_width",
        lambda p: p[heads] * p[head_dim],
        "1",
        "attention_heads x head_dim",
    )
    # a chunked local attention (Llama 4) reads at most one chunk, like a window
    chunked = r.has("attention_chunk_size") and not r.has("sliding_window")
    size, count = (
        ("attention_chunk_size", "chunked_attention_layers")
        if chunked
        else ("sliding_window", "sliding_window_layers")
    )
    window = r.get(size, 0.0)
    if not r.has(size):  # no window: no windowed layers to count (no placeholder listed)
        share = derive(ledger, f"{PRE}.windowed_share", lambda p: 0.0 * p[layers], "1",
                       "no sliding-window attention")  # fmt: skip
        return layers, kv_el, width, window, share
    wl = r.get(count, 0.0)
    if ledger.value(wl) > ledger.value(layers):
        raise SpecError(
            f"{ledger.value(wl):g} layers with a window, more than the model's "
            f"{ledger.value(layers):g} layers",
            path=(*PATH, "layers"),
        )
    share = derive(
        ledger,
        f"{PRE}.windowed_share",
        lambda p: np.clip(p[wl] / p[layers], 0.0, 1.0),
        "1",
        "share of layers with sliding-window attention",
    )
    return layers, kv_el, width, window, share


def architecture(ledger: Ledger, m: ServedModel, bytes_per_parameter: float | None) -> Architecture:
    """Resolve the served model into parameters."""
    named = _table_key(ledger, m.name) if m.name else ""
    moe = m.experts is not None or (
        m.active_parameters is not None
        and m.parameters is not None
        and m.active_parameters < m.parameters
    )
    if named:
        moe = moe or catalog.table("models").has(named, "experts")
    key = named or _nearest(m.parameters or 0.0, moe)
    r = _Reader(ledger, m, key, assumed=not named)
    if named:
        total = r.get("parameters")
    else:
        total = ledger.user(f"{PRE}.parameters", m.parameters or 0.0, "1")
    active = r.get("active_parameters") if (named or m.active_parameters) else total
    if ledger.value(active) > ledger.value(total):
        raise SpecError(
            "active_parameters cannot exceed parameters", path=(*PATH, "active_parameters")
        )
    e, k, one, dense = _experts(ledger, r, total, active)
    layers, kv_el, width, window, share = _attention(ledger, r)
    wb, bits = _precision(ledger, r, bytes_per_parameter)
    kvp = m.kv_precision or _DEFAULT_PRECISION
    kvb = ledger.add(
        f"{PRE}.kv_bytes",
        PRECISION_BYTES[kvp],
        "1",
        "user" if m.kv_precision else "default",
        None,
        f"KV cache in {kvp}",
    )
    label = catalog.table("models").label(named) if named else "the model"
    tab = catalog.table("models")
    ctx = (
        tab.row(named, "context_length").value
        if named and tab.has(named, "context_length")
        else None
    )
    return Architecture(
        label,
        total,
        active,
        e,
        k,
        one,
        dense,
        layers,
        kv_el,
        width,
        window,
        share,
        wb,
        kvb,
        bits,
        moe,
        ctx,
    )
