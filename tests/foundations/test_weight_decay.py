"""Weight decay: the L2 penalty and decoupled decay against torch's and fastai's optimisers.

These pin down what the foundations and collab notes say: for SGD the two kinds are one update;
for Adam they differ; torch's `Adam(weight_decay)` is L2, `AdamW` is decoupled, and fastai's
default `Adam` is the decoupled kind.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from fastai.optimizer import Adam as FastaiAdam

from snippets.foundations.weight_decay import decay_weights, l2_penalty

LR, WD, STEPS = 0.02, 0.1, 40


def problem() -> tuple[list[torch.Tensor], Callable[[], torch.Tensor]]:
    """A small least-squares fit whose features have very different scales (so Adam's scaling matters)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, generator=gen) * torch.tensor([0.1, 0.3, 1.0, 2.0, 4.0])
    y = x @ torch.randn(5, 1, generator=gen) + 1.0
    w = torch.randn(5, 1, generator=gen).requires_grad_()
    b = torch.zeros(1, requires_grad=True)
    return [w, b], lambda: ((x @ w + b - y) ** 2).mean()


def train(step: Callable[[list[torch.Tensor], Callable[[], torch.Tensor]], None]) -> list[torch.Tensor]:
    params, loss_fn = problem()
    before = [p.detach().clone() for p in params]
    step(params, loss_fn)
    assert not all(torch.equal(a, p) for a, p in zip(before, params, strict=True)), "the parameters did not move"
    assert all(torch.isfinite(p).all() for p in params), "training diverged"
    return [p.detach() for p in params]


def run(make_opt, penalty: bool = False, decoupled: bool = False):
    def step(params, loss_fn):
        opt = make_opt(params)
        for _ in range(STEPS):
            loss = loss_fn() + (l2_penalty(params, WD) if penalty else 0)
            loss.backward()
            if decoupled:
                decay_weights(params, LR, WD)
            opt.step()
            opt.zero_grad()
    return train(step)


def close(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(a, b, strict=True))


def test_the_penalty_s_gradient_is_wd_times_p():
    p = torch.tensor([2.0, -4.0, 0.5], requires_grad=True)
    l2_penalty([p], WD).backward()
    torch.testing.assert_close(p.grad, WD * p.detach())


def test_for_sgd_l2_and_decoupled_decay_are_the_same_update():
    sgd = lambda params: torch.optim.SGD(params, lr=LR)  # noqa: E731
    l2 = run(sgd, penalty=True)
    assert close(l2, run(lambda params: torch.optim.SGD(params, lr=LR, weight_decay=WD)))
    assert close(l2, run(sgd, decoupled=True))
    assert not close(l2, run(sgd))  # and weight decay changed something


def test_for_adam_l2_is_torch_adam_and_fastai_adam_without_decoupling():
    adam = lambda params: torch.optim.Adam(params, lr=LR)  # noqa: E731
    l2 = run(adam, penalty=True)
    assert close(l2, run(lambda params: torch.optim.Adam(params, lr=LR, weight_decay=WD)))
    fastai_l2 = lambda params: FastaiAdam(params, lr=LR, mom=0.9, sqr_mom=0.999, eps=1e-8, wd=WD,  # noqa: E731
                                          decouple_wd=False)
    assert close(l2, run(fastai_l2))


def test_for_adam_decoupled_decay_is_adamw_and_fastai_s_default_and_differs_from_l2():
    adam = lambda params: torch.optim.Adam(params, lr=LR)  # noqa: E731
    decoupled = run(adam, decoupled=True)
    assert close(decoupled, run(lambda params: torch.optim.AdamW(params, lr=LR, weight_decay=WD)))
    fastai_default = lambda params: FastaiAdam(params, lr=LR, mom=0.9, sqr_mom=0.999, eps=1e-8, wd=WD)  # noqa: E731
    assert close(decoupled, run(fastai_default))
    assert not close(decoupled, run(adam, penalty=True))


@pytest.mark.parametrize("call", [lambda p: l2_penalty(p, -0.1), lambda p: decay_weights(p, 0.1, -1.0),
                                  lambda p: decay_weights(p, -0.1, 0.1)])
def test_negative_rates_are_refused(call):
    with pytest.raises(ValueError, match="must be >= 0"):
        call([torch.ones(2)])


def test_a_weight_decay_of_zero_is_no_penalty():
    assert l2_penalty([torch.ones(3, requires_grad=True)], 0.0).item() == 0.0
    assert l2_penalty([torch.ones(3, requires_grad=True)], 0.5).item() == 0.75       # 0.25 * (1 + 1 + 1)
