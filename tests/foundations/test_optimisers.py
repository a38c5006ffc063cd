"""RMSProp and Adam from scratch against torch.optim, parameter for parameter, over 20 steps."""

from __future__ import annotations

import pytest
import torch

from snippets.foundations import MLP, SGD, cross_entropy
from snippets.foundations.optimisers import Adam, RMSProp
from tests.exact import exactly

STEPS = 20


def trained(make_optimiser) -> list[torch.Tensor]:
    """20 steps on the same small MLP and data; the parameters afterwards (checked to have moved)."""
    g = torch.Generator().manual_seed(0)
    model = MLP([6, 16, 3], generator=g)
    x, y = torch.randn(32, 6, generator=g), torch.randint(0, 3, (32,), generator=g)
    before = [p.detach().clone() for p in model.parameters()]
    opt = make_optimiser(model.parameters())
    for _ in range(STEPS):
        cross_entropy(model(x), y).backward()
        opt.step()
        opt.zero_grad()
    after = [p.detach() for p in model.parameters()]
    assert all(not torch.equal(b, a) for b, a in zip(before, after, strict=True)), "a parameter did not move"
    return after


PAIRS = {
    "SGD with momentum": (lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "RMSProp": (lambda p: RMSProp(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    "RMSProp, alpha 0.9": (lambda p: RMSProp(p, lr=0.01, alpha=0.9, eps=1e-6),
                           lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6)),
    "Adam": (lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "Adam, L2": (lambda p: Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
                 lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    "AdamW": (lambda p: Adam(p, lr=0.01, weight_decay=0.1, decoupled=True),
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", PAIRS)
def test_matches_torch_optim_parameter_for_parameter(name):
    ours, theirs = PAIRS[name]
    for a, b in zip(trained(ours), trained(theirs), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_l2_and_decoupled_adam_differ():
    l2 = trained(lambda p: Adam(p, lr=0.01, weight_decay=0.1))
    decoupled = trained(lambda p: Adam(p, lr=0.01, weight_decay=0.1, decoupled=True))
    assert any(not torch.allclose(a, b, atol=1e-4) for a, b in zip(l2, decoupled, strict=True))


def test_parameters_without_a_gradient_are_left_alone():
    used, unused = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    for opt in (RMSProp([used, unused], lr=0.1), Adam([used, unused], lr=0.1)):
        (used**2).sum().backward()
        opt.step()
        opt.zero_grad()
        assert torch.equal(unused, torch.ones(2)) and used.grad is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Adam([], lr=0.1), "no parameters"),
        (lambda: Adam([torch.ones(2)], lr=0.1), "requires_grad=True"),
        (lambda: RMSProp([torch.ones(2, requires_grad=True)], lr=0.0), "positive number"),
        (lambda: RMSProp([torch.ones(2, requires_grad=True)], alpha=1.0), r"alpha must be in \[0, 1\)"),
        (lambda: Adam([torch.ones(2, requires_grad=True)], betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda: Adam([torch.ones(2, requires_grad=True)], weight_decay=-0.1), "weight_decay must be >= 0"),
    ],
)
def test_bad_settings_get_a_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_defaults_are_pytorchs():
    params = [torch.zeros(2, requires_grad=True)]
    rms, adam = RMSProp(params), Adam(params)
    assert (rms.lr, rms.alpha, rms.eps) == (0.01, 0.99, 1e-8)
    assert (adam.lr, adam.betas, adam.eps) == (1e-3, (0.9, 0.999), 1e-8)
    assert RMSProp(params, alpha=0.0).alpha == 0.0 and Adam(params, betas=(0.0, 0.0)).betas == (0.0, 0.0)


def test_errors_name_the_optimiser_and_the_setting():
    with pytest.raises(ValueError, match=exactly("RMSProp got no parameters to optimise")):
        RMSProp([])
    with pytest.raises(ValueError, match=exactly("Adam got no parameters to optimise")):
        Adam([])
    params = [torch.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=exactly("betas[0] must be in [0, 1), got betas[0]=1.0")):
        Adam(params, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match=exactly("betas[1] must be in [0, 1), got betas[1]=-0.1")):
        Adam(params, betas=(0.9, -0.1))
    three = "betas must be two numbers (for the gradient and its square), got (0.9, 0.99, 0.5)"
    with pytest.raises(ValueError, match=exactly(three)):
        Adam(params, betas=(0.9, 0.99, 0.5))
