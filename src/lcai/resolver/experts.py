"""Which experts of a mixture-of-experts model a decode step reads and a token computes,
by how the serving stack runs its MoE layers."""

from __future__ import annotations

from collections.abc import Callable

from lcai.engine.plan import Params
from lcai.model import serving as sv
from lcai.model.num import Num
from lcai.resolver.architecture import Architecture
from lcai.resolver.factors import IP, derive
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Inference

__all__ = ["Touched", "expert_execution"]

Touched = Callable[[Params, Num], Num]


def expert_execution(ledger: Ledger, inf: Inference, a: Architecture) -> tuple[Touched, str]:
    """(experts a decode step of batch b reads per MoE layer, key of the parameters each
    token computes). Routed: the distinct experts the batch's tokens pick, and the active
    parameters; 'all' (a stack that runs every expert and weights the outputs): every
    expert, and the total parameters."""
    if inf.expert_execution == "routed":

        def routed(p: Params, b: Num) -> Num:
            return sv.distinct_experts(p[a.experts], p[a.experts_per_token], b)

        return routed, a.active
    if ledger.value(a.experts) <= 1.0:
        ledger.warnings.append(
            f"{IP}.expert_execution: 'all' applies to mixture-of-experts models; "
            f"{a.label} is dense, so it changes nothing"
        )
    elif a.weight_bits < 16.0:
        ledger.warnings.append(
            f"{IP}.expert_execution: 'all' with {a.weight_bits:g}-bit weights; "
            "Hugging Face Transformers' all-experts layer (GptOssExperts) holds weights "
            "dequantized to BF16, its MXFP4 experts run other kernels: state "
            "weight_precision: bf16 if the stack dequantizes"
        )
    every = derive(
        ledger,
        f"{IP}.experts_computed",
        lambda p: p[a.experts],
        "1",
        "every expert for every token (expert_execution: all): the total parameters are "
        "read at each step and computed per token",
    )

    def all_experts(p: Params, b: Num) -> Num:
        return p[every]

    return all_experts, a.total
