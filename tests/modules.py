"""`leaves(model)`: every leaf module's place and description, to compare a hand-built model with fastai's."""

from __future__ import annotations

from torch import nn

# fastai's spelling of a layer -> this project's, where the two compute the same
SAME = {"ReLU(inplace=True)": "ReLU()",  # fastai's ReLU works in place
        "Flatten(full=False)": "Flatten(start_dim=1, end_dim=-1)"}  # fastai's: x.view(x.size(0), -1)


def leaves(model: nn.Module) -> list[tuple[str, str]]:
    """Each leaf's name and repr (type, sizes, dropout p, BatchNorm settings), in order.

    Duplicates are kept: fastai's tabular and text heads share one ReLU object between blocks, which
    `named_modules` would list once. fastai's `SigmoidRange` is named as `ScaledSigmoid`.
    """
    described = []
    for name, module in model.named_modules(remove_duplicate=False):
        if next(module.children(), None) is None:
            text = "ScaledSigmoid()" if type(module).__name__ == "SigmoidRange" else repr(module)
            for theirs, ours in SAME.items():
                text = text.replace(theirs, ours)
            described.append((name, text))
    return described
