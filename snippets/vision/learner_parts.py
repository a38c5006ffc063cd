"""What `vision_learner` builds, written out in PyTorch (fastbook chapter 15): a body cut from a model, and a new head.

`vision_learner(dls, resnet18)` does not use the torchvision model as it is. It keeps the **body**,
the children before the last pooling layer (for a ResNet: everything but the average pool and the
1,000-class linear layer; fastai's `model_meta` table gives that cut, `cut=-2`, for the
ResNets, and looks for the last pooling child for architectures it does not list), and adds a **head**
for the task's `n_out` classes:

1. **concat pooling** (`ConcatPool2d`): each channel's maximum and its mean over the image, side
   by side, so the head sees both "is the feature anywhere" and "how much of it is there";
2. a flatten, then two blocks of BatchNorm, dropout and a linear layer (without a bias: the
   block's BatchNorm, before it, supplies a learnable shift), with a ReLU between them: for a
   ResNet-18 or 34, 2 x 512 features to 512, then 512 to `n_out`, dropout `p / 2` in the first
   block and `p` in the second (0.25 and 0.5 by default).

The head's linear layers start from Kaiming normal weights (`vision_learner` applies
`nn.init.kaiming_normal_` to the head's layers other than BatchNorm), and each BatchNorm from
weight 1 and bias 0.001 (fastai's `BatchNorm`). `tests/vision/test_learner_parts.py` checks that
`vision_model` and fastai's `create_vision_model` build the same layers in the same order (types,
sizes, dropout probabilities, BatchNorm settings), that with the same weights they compute the
same outputs, and that both heads start from the same initialisation.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from snippets.foundations.tabular_model import batchnorm_as_fastai


class ConcatPool2d(nn.Module):
    """Each channel's maximum and mean over the image, concatenated: `(batch, c, h, w)` to `(batch, 2c, 1, 1)`.

    Example:
        >>> x = torch.tensor([[[[1.0, 3.0], [0.0, 0.0]]]])  # one image, one channel
        >>> ConcatPool2d()(x).flatten().tolist()  # maximum, then mean
        [3.0, 1.0]
    """

    def __init__(self) -> None:
        super().__init__()
        self.ap, self.mp = nn.AdaptiveAvgPool2d(1), nn.AdaptiveMaxPool2d(1)  # fastai's names

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.mp(x), self.ap(x)], dim=1)


def _is_pooling(module: nn.Module) -> bool:
    return any(type(m).__name__.endswith(("Pool1d", "Pool2d", "Pool3d")) for m in module.modules())


def body_of(model: nn.Module) -> nn.Sequential:
    """The model's children up to, not including, the last one that is or holds a pooling layer.

    Raises:
        ValueError: if no child of `model` pools.

    Example:
        >>> from torchvision.models import resnet18
        >>> body = body_of(resnet18())  # the 10 children less avgpool and fc
        >>> len(body), type(body[-1]).__name__
        (8, 'Sequential')
    """
    children = list(model.children())
    pooling = [i for i, child in enumerate(children) if _is_pooling(child)]
    if not pooling:
        raise ValueError(f"{type(model).__name__} has no pooling layer among its children to cut at")
    return nn.Sequential(*children[: pooling[-1]])


# --8<-- [start:head]
def head(n_features: int, n_out: int, hidden: int = 512, p: float = 0.5) -> nn.Sequential:
    """The head `vision_learner` puts on a body whose last layer has `n_features` channels.

    Raises:
        ValueError: if a size is not positive or `p` is not a dropout probability.

    Example:
        >>> " ".join(type(m).__name__ for m in head(512, n_out=10))
        'ConcatPool2d Flatten BatchNorm1d Dropout Linear ReLU BatchNorm1d Dropout Linear'
    """
    if min(n_features, n_out, hidden) < 1:
        raise ValueError(f"sizes must be positive, got n_features={n_features}, n_out={n_out}, hidden={hidden}")
    if not 0 <= p < 1:
        raise ValueError(f"p must be a dropout probability in [0, 1), not {p!r}")
    layers = nn.Sequential(  # fastai leaves out a dropout of 0
        ConcatPool2d(), nn.Flatten(),
        batchnorm_as_fastai(2 * n_features), *([nn.Dropout(p / 2)] if p else []),
        nn.Linear(2 * n_features, hidden, bias=False), nn.ReLU(),
        batchnorm_as_fastai(hidden), *([nn.Dropout(p)] if p else []), nn.Linear(hidden, n_out, bias=False),
    )
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight)
    return layers
# --8<-- [end:head]


def vision_model(model: nn.Module, n_out: int, p: float = 0.5) -> nn.Sequential:
    """`model`'s body and a new head for `n_out` classes: what `vision_learner` trains.

    The number of features the head reads is the body's output channels, found by running a
    64 x 64 image of zeros through it (fastai's `num_features_model` runs a random 32 x 32 image,
    larger if that fails, and leaves the body in evaluation mode; this one restores the mode).

    Example:
        >>> from torchvision.models import resnet18
        >>> net = vision_model(resnet18(), n_out=37)
        >>> body, new_head = net
        >>> net(torch.zeros(2, 3, 64, 64)).shape, new_head[2].num_features  # 2 x 512 channels into the head
        (torch.Size([2, 37]), 1024)
    """
    body = body_of(model)
    was_training = body.training
    body.eval()
    with torch.no_grad():
        n_features = body(torch.zeros(1, 3, 64, 64)).shape[1]
    body.train(was_training)
    return nn.Sequential(body, head(n_features, n_out, p=p))
