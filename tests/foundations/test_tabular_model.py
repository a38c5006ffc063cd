"""What `tabular_learner` builds, rebuilt by hand, against fastai's `TabularModel` layer for layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from fastai.tabular.all import (
    Categorify,
    CategoryBlock,
    FillMissing,
    Normalize,
    RandomSplitter,
    TabularPandas,
    emb_sz_rule,
    get_emb_sz,
    range_of,
    tabular_config,
    tabular_learner,
)

from snippets.foundations.tabular_model import TabularNet, embedding_size
from tests.modules import leaves


@pytest.fixture(scope="module")
def table() -> TabularPandas:
    """A small table like the Adult census: two categorical columns, two continuous ones (one with gaps)."""
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({
        "job": rng.choice(["clerk", "farmer", "teacher", "nurse", "driver"], n),
        "state": rng.choice([f"s{i}" for i in range(30)], n),
        "age": rng.integers(18, 80, n).astype(float),
        "hours": rng.normal(40, 10, n),
    })
    df.loc[rng.choice(n, 20, replace=False), "hours"] = np.nan
    df["salary"] = np.where(df.age + rng.normal(0, 10, n) > 45, ">=50k", "<50k")
    return TabularPandas(df, [Categorify, FillMissing, Normalize], cat_names=["job", "state"],
                         cont_names=["age", "hours"], y_names="salary", splits=RandomSplitter(seed=0)(range_of(df)))


@pytest.mark.parametrize(("layers", "config"), [
    ([200, 100], {}),  # tabular_learner's defaults
    ([20, 10], {"ps": [0.1, 0.05], "embed_p": 0.1}),
    ([16], {"ps": 0.2, "y_range": (0, 5)}),
])
def test_the_hand_built_model_is_tabular_learners_layer_for_layer(table, layers, config):
    dls = table.dataloaders(bs=32)
    torch.manual_seed(0)
    theirs = tabular_learner(dls, layers=layers, config=tabular_config(**config)).model
    n_categories = [n for n, _ in get_emb_sz(table)]  # job and state, and FillMissing's hours_na
    assert len(n_categories) == 3
    ours = TabularNet(n_categories, n_continuous=2, n_out=2, layers=layers, p=config.get("ps", 0.0),
                      embed_p=config.get("embed_p", 0.0), y_range=config.get("y_range"))
    assert leaves(ours) == leaves(theirs)  # names, types, sizes, dropout p, BatchNorm settings, in order
    assert [e.embedding_dim for e in ours.embeds] == [w for _, w in get_emb_sz(table)]
    ours.load_state_dict(theirs.state_dict(), strict=True)  # the same names: fastai's weights load as they are
    x_cat, x_cont, _ = dls.valid.one_batch()
    ours.eval(), theirs.eval()
    with torch.no_grad():
        assert torch.allclose(ours(x_cat, x_cont), theirs(x_cat, x_cont), atol=1e-6)
    if "y_range" in config:
        with torch.no_grad():
            out = ours(x_cat, 100 * torch.randn_like(x_cont))
        assert out.min() > 0 and out.max() < 5


def test_without_continuous_columns_fastais_weights_still_load(table):
    """fastai keeps an empty BatchNorm1d(0) for the continuous columns; so does TabularNet."""
    only_categories = TabularPandas(table.items[["job", "state", "salary"]], [Categorify], cat_names=["job", "state"],
                                    y_names="salary", y_block=CategoryBlock(),
                                    splits=RandomSplitter(seed=0)(range_of(table.items)))
    dls = only_categories.dataloaders(bs=32)
    theirs = tabular_learner(dls, layers=[8]).model
    ours = TabularNet([n for n, _ in get_emb_sz(only_categories)], n_continuous=0, n_out=2, layers=[8])
    assert leaves(ours) == leaves(theirs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x_cat, x_cont, _ = dls.valid.one_batch()
    ours.eval(), theirs.eval()
    with torch.no_grad():
        assert torch.allclose(ours(x_cat, x_cont), theirs(x_cat, x_cont), atol=1e-6)


def test_the_blocks_start_as_fastais_do(table):
    """Embeddings: std 0.01, nothing beyond two deviations; block BatchNorm: weight 1, bias 0.001; bn_cont: bias 0."""
    torch.manual_seed(0)
    theirs = tabular_learner(table.dataloaders(bs=32), layers=[50]).model
    ours = TabularNet([400], n_continuous=2, n_out=2, layers=[50])
    for model in (ours, theirs):
        norm = model.layers[0][2]
        assert torch.equal(norm.weight, torch.ones(50)) and torch.allclose(norm.bias, torch.full((50,), 1e-3))
        assert torch.equal(model.bn_cont.bias, torch.zeros(2))
    w = ours.embeds[0].weight.detach().flatten()  # 400 x 46 values
    assert w.abs().max() <= 0.02 and w.std().item() == pytest.approx(0.0087, rel=0.05)  # folded: below 0.01
    from fastai.layers import Embedding

    torch.manual_seed(1)
    fastais = Embedding(400, embedding_size(400))
    torch.manual_seed(1)
    assert torch.equal(TabularNet([400], n_continuous=2, n_out=2, layers=[50]).embeds[0].weight, fastais.weight)


def test_embedding_size_is_fastais_rule():
    assert all(embedding_size(n) == emb_sz_rule(n) for n in range(1, 20_000, 7))
    assert embedding_size(10**7) == 600  # capped
    with pytest.raises(ValueError, match="at least one category"):
        embedding_size(0)


def test_only_continuous_or_only_categorical_columns():
    x_cat, x_cont = torch.zeros(4, 1, dtype=torch.long), torch.randn(4, 3)
    assert TabularNet([], n_continuous=3, n_out=1, layers=[4])(x_cat[:, :0], x_cont).shape == (4, 1)
    assert TabularNet([5], n_continuous=0, n_out=1, layers=[4])(x_cat, x_cont[:, :0]).shape == (4, 1)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_categories": [], "n_continuous": 0}, "no input columns"),
    ({"n_categories": [0], "n_continuous": 1}, "sizes must be positive"),
    ({"n_categories": [3], "n_continuous": 1, "layers": [8, 0]}, "sizes must be positive"),
    ({"n_categories": [3], "n_continuous": 1, "p": [0.1]}, "1 dropout probabilities for 2 hidden layers"),
    ({"n_categories": [3, 4], "n_continuous": 1, "embedding_sizes": [2]}, "1 embedding sizes for 2"),
])
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TabularNet(n_out=2, **kwargs)
