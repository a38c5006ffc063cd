"""SGD and a complete training loop, written from raw tensors.

Read the modules in this order; each one adds one idea:

1. [`layers`][snippets.foundations.layers]: affine functions, the ReLU nonlinearity,
   a linear model and a multi-layer perceptron, with parameters created by hand.
2. [`losses`][snippets.foundations.losses]: mean squared error, log-softmax,
   cross-entropy and accuracy.
3. [`sgd`][snippets.foundations.sgd]: stochastic gradient descent with momentum and
   weight decay.
4. [`weight_decay`][snippets.foundations.weight_decay]: weight decay as an L2 penalty or
   decoupled, and why the two differ for Adam.
5. [`batches`][snippets.foundations.batches]: shuffled minibatches.
6. [`loop`][snippets.foundations.loop]: the training loop that ties them together.
7. [`lr_finder`][snippets.foundations.lr_finder]: the learning rate finder (a short run with a
   growing learning rate).

Two open what autograd and `torch.optim` do: [`backprop`][snippets.foundations.backprop] (every
layer's backward pass written from the chain rule, no autograd) and
[`optimisers`][snippets.foundations.optimisers] (RMSProp and Adam, matching `torch.optim`).
[`learner`][snippets.foundations.learner] puts the loop in a `Learner` with callbacks, and
[`schedule`][snippets.foundations.schedule] writes out the one-cycle schedule.
[`convolutions`][snippets.foundations.convolutions] computes convolutions by hand and writes out
batch normalisation and a residual block, and [`activation_stats`][snippets.foundations.activation_stats]
records each layer's activations while a network trains.
[`tabular_features`][snippets.foundations.tabular_features] turns a table (the Titanic) into numbers
by hand.
[`tabular_model`][snippets.foundations.tabular_model] writes out the network `tabular_learner`
builds (embeddings, BatchNorm, linear-ReLU-BatchNorm blocks), checked against fastai's.
Three more build on them: [`cnn`][snippets.foundations.cnn] (a small convolutional network),
[`neighbours`][snippets.foundations.neighbours] (the rows of an embedding most like a given row)
and [`distributed`][snippets.foundations.distributed] (data-parallel training, gradients averaged
across processes).

Example:
    >>> import torch
    >>> from snippets.foundations import MLP, SGD, cross_entropy, fit
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(64, 2, generator=g)
    >>> y = (x[:, 0] > 0).long()
    >>> model = MLP([2, 8, 2], generator=g)
    >>> history = fit(model, cross_entropy, SGD(model.parameters(), lr=0.5),
    ...               (x, y), (x, y), epochs=20, batch_size=16, generator=g, log=None)
    >>> history.epochs[-1].metric > 0.9
    True
"""

from snippets.foundations.batches import minibatches
from snippets.foundations.layers import MLP, Affine, LinearModel, Model, count_parameters, relu
from snippets.foundations.loop import EpochStats, History, evaluate, fit
from snippets.foundations.losses import accuracy, cross_entropy, log_softmax, mse
from snippets.foundations.lr_finder import LRFinderResult, lr_find
from snippets.foundations.sgd import SGD

__all__ = [
    "MLP",
    "SGD",
    "Affine",
    "EpochStats",
    "History",
    "LRFinderResult",
    "LinearModel",
    "Model",
    "accuracy",
    "count_parameters",
    "cross_entropy",
    "evaluate",
    "fit",
    "log_softmax",
    "lr_find",
    "minibatches",
    "mse",
    "relu",
]
