"""Compute (FLOPs) of training and inference, and the accelerator time it needs."""

from __future__ import annotations

from lcai.model.num import Num
from lcai.units import S_PER_H


def training_flops(active_params: Num, tokens: Num) -> Num:
    """Training compute of a dense transformer: 6 x N x D FLOP.

    2 FLOP per parameter per token forward, 4 backward (Kaplan et al. 2020,
    "Scaling Laws for Neural Language Models", sec. 2.1; Hoffmann et al. 2022).
    For a mixture of experts, N is the parameters active per token.
    GPT-3: 6 x 175e9 x 300e9 = 3.15e23 FLOP (Brown et al. 2020 report 3.14e23).
    """
    return 6.0 * active_params * tokens


def inference_flops(active_params: Num, tokens: Num) -> Num:
    """Inference compute: 2 x N FLOP per token processed (Kaplan et al. 2020)."""
    return 2.0 * active_params * tokens


def accelerator_hours_from_flops(flops: Num, peak_flop_per_s: Num, utilisation: Num) -> Num:
    """Accelerator-hours to run ``flops`` at a model FLOPs utilisation of the peak.

    hours [h] = FLOP / (peak [FLOP/s] x MFU [-]) / 3600
    (MFU as defined by Chowdhery et al. 2022, "PaLM", appendix B.)
    """
    return flops / (peak_flop_per_s * utilisation) / S_PER_H
