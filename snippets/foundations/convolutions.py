"""Convolutions, batch normalisation and a residual block, written out.

A **convolution** slides a small grid of weights, the *kernel*, over the image; at each position it
multiplies the pixels under the kernel by the weights and adds them up. A kernel of `[-1, 0, 1]`
columns responds where brightness changes from left to right: an edge detector. Three ways to
compute the same thing, each faster than the last:

- `conv2d_loops`: two loops over the output positions, the definition itself;
- `conv2d_unfold`: `F.unfold` cuts every kernel-sized patch out of the image as a column, and
  one matrix multiplication applies every kernel to every patch;
- `torch.nn.functional.conv2d`, which the tests check both against.

With an input of size `n`, kernel `k`, padding `p` and stride `s`, the output has
`(n + 2p - k) // s + 1` positions along that side (`output_size`).

**Batch normalisation** (Ioffe and Szegedy, 2015) normalises each channel of a batch to mean 0
and standard deviation 1 and then scales and shifts it by two learned parameters. In training it
uses the batch's own statistics and keeps a running average of them; in evaluation it uses the
running averages, so a prediction does not depend on the other images in the batch.
`BatchNorm` writes it out; the tests check it against `torch.nn.BatchNorm2d`, in both modes.

A **residual block** (He et al., 2016) adds its input to its output, `relu(x + f(x))`: the layers
learn a correction to the identity, and the gradient has a path back through each addition that
skips `f`, gated only by the ReLU after the addition (He et al.'s "pre-activation" blocks move that
ReLU off the path), so much deeper networks still train.

Example:
    >>> import torch
    >>> image = torch.zeros(5, 5)
    >>> image[:, 3:] = 1.0                       # dark on the left, bright on the right
    >>> kernel = torch.tensor([[-1.0, 0.0, 1.0]] * 3)
    >>> conv2d_loops(image, kernel)              # strongest where the edge is
    tensor([[0., 3., 3.],
            [0., 3., 3.],
            [0., 3., 3.]])
    >>> output_size(28, kernel=3, stride=2, padding=1)
    14
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """How many positions a kernel takes along one side: `(size + 2 * padding - kernel) // stride + 1`.

    Raises:
        ValueError: if the kernel does not fit in the padded input, or stride is less than 1.
    """
    if stride < 1 or kernel < 1 or padding < 0:
        raise ValueError(f"need kernel >= 1, stride >= 1, padding >= 0; got {kernel}, {stride}, {padding}")
    if size + 2 * padding < kernel:
        raise ValueError(f"a {kernel}-wide kernel does not fit in {size} pixels with padding {padding}")
    return (size + 2 * padding - kernel) // stride + 1


# --8<-- [start:loops]
def conv2d_loops(image: Tensor, kernel: Tensor, stride: int = 1, padding: int = 0) -> Tensor:
    """One channel, one kernel, by the definition: at each output position, sum(patch * kernel).

    Raises:
        ValueError: if `image` or `kernel` is not 2-D, or the kernel does not fit (see `output_size`).
    """
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"expected a 2-D image and a 2-D kernel, got shapes {tuple(image.shape)} "
                         f"and {tuple(kernel.shape)}")
    kh, kw = kernel.shape
    image = F.pad(image, (padding, padding, padding, padding))
    out_h = output_size(image.shape[0], kh, stride)
    out_w = output_size(image.shape[1], kw, stride)
    out = torch.empty(out_h, out_w, dtype=image.dtype)
    for i in range(out_h):
        for j in range(out_w):
            patch = image[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = (patch * kernel).sum()
    return out
# --8<-- [end:loops]


# --8<-- [start:unfold]
def conv2d_unfold(images: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
                  padding: int = 0) -> Tensor:
    """A batch, many channels and kernels: every patch as a column, then one matrix multiplication.

    Args:
        images: (batch, in_channels, height, width).
        weight: (out_channels, in_channels, kh, kw), as `nn.Conv2d.weight`.
        bias: (out_channels,) or `None`.

    Raises:
        ValueError: if the shapes do not fit together.
    """
    if images.ndim != 4 or weight.ndim != 4 or images.shape[1] != weight.shape[1]:
        raise ValueError(f"images (N, C, H, W) and weight (O, C, kh, kw) must agree on C; "
                         f"got {tuple(images.shape)} and {tuple(weight.shape)}")
    n, _, h, w = images.shape
    out_c, _, kh, kw = weight.shape
    out_h, out_w = output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)
    patches = F.unfold(images, (kh, kw), padding=padding, stride=stride)   # (N, C*kh*kw, positions)
    out = weight.reshape(out_c, -1) @ patches                               # (N, O, positions)
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, out_c, out_h, out_w)
# --8<-- [end:unfold]


# --8<-- [start:batchnorm]
class BatchNorm(nn.Module):
    """Batch normalisation for (batch, channels, height, width) activations, written out.

    Args:
        n_channels: number of channels; each gets its own scale, shift and running statistics.
        momentum: weight of the newest batch in the running averages (as `nn.BatchNorm2d`).
        eps: added to the variance before the square root.
    """

    def __init__(self, n_channels: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(n_channels))    # the learned scale, gamma
        self.bias = nn.Parameter(torch.zeros(n_channels))     # the learned shift, beta
        self.register_buffer("running_mean", torch.zeros(n_channels))
        self.register_buffer("running_var", torch.ones(n_channels))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != len(self.weight):
            raise ValueError(f"expected (batch, {len(self.weight)}, height, width), got {tuple(x.shape)}")
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)           # normalise with the batch's variance
            n = x.numel() / x.shape[1]
            with torch.no_grad():                                # remember them for evaluation
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var * n / (n - 1), self.momentum)   # unbiased, as PyTorch keeps it
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean[:, None, None]) / (var[:, None, None] + self.eps).sqrt()
        return self.weight[:, None, None] * x_hat + self.bias[:, None, None]
# --8<-- [end:batchnorm]


def conv_bn_pair(n_channels: int) -> nn.Sequential:
    """Two 3x3 convolutions with batch normalisation and a ReLU between them: a block's `f`."""
    return nn.Sequential(
        nn.Conv2d(n_channels, n_channels, 3, padding=1, bias=False), nn.BatchNorm2d(n_channels), nn.ReLU(),
        nn.Conv2d(n_channels, n_channels, 3, padding=1, bias=False), nn.BatchNorm2d(n_channels),
    )


# --8<-- [start:resblock]
class ResBlock(nn.Module):
    """`relu(x + f(x))`, where `f` is two 3x3 convolutions with batch normalisation.

    (fastai also starts the last BatchNorm's scale at zero, so that each block starts as the
    identity; here both kinds of block keep PyTorch's default initialisation, so that the skip
    connection is the only difference between them.)
    """

    def __init__(self, n_channels: int) -> None:
        super().__init__()
        self.f = conv_bn_pair(n_channels)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.f(x))
# --8<-- [end:resblock]


def plain_block(n_channels: int) -> nn.Sequential:
    """The same two convolutions and BatchNorms as `ResBlock`, without the skip connection."""
    return nn.Sequential(*conv_bn_pair(n_channels), nn.ReLU())


def deep_cnn(n_blocks: int, residual: bool, n_channels: int = 16, n_classes: int = 10) -> nn.Sequential:
    """A stem to `n_channels` at half resolution, `n_blocks` blocks (residual or plain), then the head.

    Raises:
        ValueError: if `n_blocks` is less than 1.
    """
    if n_blocks < 1:
        raise ValueError(f"n_blocks must be at least 1, got {n_blocks}")
    block = ResBlock if residual else plain_block
    return nn.Sequential(
        nn.Conv2d(1, n_channels, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(n_channels), nn.ReLU(),
        *(block(n_channels) for _ in range(n_blocks)),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(n_channels, n_classes),
    )
