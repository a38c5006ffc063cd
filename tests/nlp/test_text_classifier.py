"""What `text_classifier_learner` builds, rebuilt by hand, against fastai's `get_text_classifier` layer for layer."""

from __future__ import annotations

import pytest
import torch
from fastai.text.all import AWD_LSTM, awd_lstm_clas_config, get_text_classifier, pad_input_chunk
from fastai.text.models.core import masked_concat_pool as fastais_pool
from torch import nn

from snippets.nlp.text_classifier import ChunkedEncoder, PoolingClassifier, TextClassifier, masked_concat_pool
from tests.modules import leaves

VOCAB, CHUNK, PAD = 40, 8, 1
SMALL = {**awd_lstm_clas_config, "emb_sz": 16, "n_hid": 24, "n_layers": 2}


def padded_batch(lengths: list[int], seed: int = 0) -> torch.Tensor:
    """Texts of these lengths (longest first), padded as fastai pads a classifier's batch."""
    g = torch.Generator().manual_seed(seed)
    texts = [(torch.randint(2, VOCAB, (n,), generator=g),) for n in lengths]
    return torch.stack([ids for ids, in pad_input_chunk(texts, pad_idx=PAD, seq_len=CHUNK)])


def both(drop_mult: float = 0.5, hidden: list[int] | None = None, max_len: int | None = 72 * 20):
    torch.manual_seed(0)
    theirs = get_text_classifier(AWD_LSTM, VOCAB, 3, seq_len=CHUNK, config=dict(SMALL), drop_mult=drop_mult,
                                 lin_ftrs=hidden, pad_idx=PAD, max_len=max_len)
    settings = {k: v * drop_mult if k.endswith("_p") else v for k, v in SMALL.items()}
    output_p = settings.pop("output_p")
    hidden = hidden or [50]
    ours = TextClassifier(AWD_LSTM(VOCAB, **settings), width=16, n_classes=3, chunk=CHUNK, hidden=hidden,
                          ps=[output_p, *[0.1] * len(hidden)], pad_idx=PAD, max_len=max_len)
    return ours, theirs


@pytest.mark.parametrize(("drop_mult", "hidden"), [(0.5, None), (1.0, [20, 10]), (0.0, [8])])
def test_the_hand_built_classifier_is_fastais_layer_for_layer(drop_mult, hidden):
    ours, theirs = both(drop_mult, hidden)
    assert leaves(ours) == leaves(theirs)  # names, types, sizes, dropout p (none at 0), BatchNorm settings
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ids = padded_batch([20, 13, 5])  # 3 chunks of 8: the 5-token text starts with a chunk of padding, the 13-token one
    # ends with padding
    assert (ids[2, :CHUNK] == PAD).all() and (ids[1, -3:] == PAD).all()
    ours.eval(), theirs.eval()
    with torch.no_grad():
        assert torch.allclose(ours(ids), theirs(ids)[0], atol=1e-6)


def test_only_the_last_chunks_are_pooled_with_max_len():
    ours, theirs = both(max_len=CHUNK)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.eval(), theirs.eval()
    ids = padded_batch([20, 17, 9])
    with torch.no_grad():
        outputs, mask = ours[0](ids)
        assert outputs.shape[1] == mask.shape[1] == 4  # of chunks at 0, 8, 16: only the last (4 tokens) is kept
        assert torch.allclose(ours(ids), theirs(ids)[0], atol=1e-6)
        ours[0].max_len = None
        assert not torch.allclose(ours(ids), theirs(ids)[0], atol=1e-3)  # pooling over everything differs


def test_a_text_scores_the_same_in_a_batch_as_alone():
    """Padded to 21 tokens, the 3-token text (16 pads, 3 tokens, 2 pads) has text in the last chunk, where the
    15-token text above it has only padding left: fastai runs the top two rows there and never reads the 3 tokens."""
    ours, theirs = both()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.eval(), theirs.eval()
    ids = padded_batch([21, 15, 3])
    with torch.no_grad():
        in_batch = ours(ids)
        for row in range(3):
            alone = ids[row][ids[row] != PAD][None]
            assert torch.allclose(in_batch[row], ours(alone)[0], atol=1e-5), row
        fastais, _ = theirs[0](ids)
        assert fastais[2, 16:19].abs().sum() == 0  # fastai: outputs of zeros for the text's three tokens
        assert not torch.allclose(theirs(ids)[0][2], theirs(ids[2:, 16:19])[0][0], atol=1e-3)
        assert torch.allclose(in_batch[:2], theirs(ids)[0][:2], atol=1e-5)  # the two longer texts: the same


def test_the_default_head_dropout_is_text_classifier_learners():
    """`text_classifier_learner` passes drop_mult=0.5: output_p 0.4 becomes 0.2 before the first linear layer."""
    settings = {k: v * 0.5 if k.endswith("_p") else v for k, v in SMALL.items()}
    settings.pop("output_p")
    head = TextClassifier(AWD_LSTM(VOCAB, **settings), width=16, n_classes=2)[1]
    assert [m.p for m in head.modules() if isinstance(m, nn.Dropout)] == [0.2, 0.1]


def test_pooling_is_fastais_under_its_padding():
    ids = padded_batch([24, 16, 9, 3])  # padded to 24 tokens: three whole chunks
    pad_mask = ids == PAD
    outputs = torch.randn(*ids.shape, 5)
    assert torch.equal(masked_concat_pool(outputs, pad_mask), fastais_pool(outputs, pad_mask, CHUNK))


def test_fastais_last_token_lands_on_padding_when_the_batch_is_not_whole_chunks():
    """Padded to 21 tokens, a 3-token text is 16 pads, its 3 tokens, 2 pads. fastai counts the pads among the
    last 8 positions (5, leading ones included) and takes position 21 - 5 - 1 = 15, padding; this takes 18."""
    ids = padded_batch([21, 3])
    pad_mask = ids == PAD
    assert pad_mask[1].tolist() == [True] * 16 + [False] * 3 + [True] * 2
    outputs = torch.randn(*ids.shape, 5)
    ours, theirs = masked_concat_pool(outputs, pad_mask), fastais_pool(outputs, pad_mask, CHUNK)
    assert torch.equal(ours[0], theirs[0])  # the long text: the same
    assert torch.equal(ours[1, :5], outputs[1, 18]) and torch.equal(theirs[1, :5], outputs[1, 15])
    assert torch.equal(ours[1, 5:], theirs[1, 5:])  # the maximum and the mean agree
    classifier, fastais = both()
    classifier.load_state_dict(fastais.state_dict(), strict=True)
    classifier.eval(), fastais.eval()
    with torch.no_grad():
        encoded, _ = fastais[0](ids)
        assert encoded[1, 15].abs().sum() == 0  # fastai's "last token" output: the zeros of a row left out
        assert not torch.allclose(classifier(ids)[1], fastais(ids)[0][1], atol=1e-3)


def test_pooling_ignores_padding_and_refuses_bad_input():
    outputs = torch.tensor([[[1.0], [5.0], [3.0]], [[-100.0], [2.0], [4.0]]])
    pad = torch.tensor([[False, False, True], [True, False, False]])
    assert masked_concat_pool(outputs, pad).tolist() == [[5.0, 5.0, 3.0], [4.0, 4.0, 3.0]]
    with pytest.raises(ValueError, match="all padding"):
        masked_concat_pool(outputs, torch.tensor([[True, True, True], [False, False, False]]))
    with pytest.raises(ValueError, match="differ"):
        masked_concat_pool(outputs, pad[:, :2])


def test_the_encoder_runs_only_the_rows_with_text_in_each_chunk():
    seen = []

    class Recorder(nn.Module):
        def reset(self):
            seen.append("reset")

        def forward(self, ids):
            seen.append(tuple(ids.shape))
            return torch.zeros(*ids.shape, 2)

    outputs, mask = ChunkedEncoder(Recorder(), CHUNK, pad_idx=PAD)(padded_batch([20, 13, 5]))
    assert seen == ["reset", (2, 8), (3, 8), (1, 4)]  # the 5-token text starts in the second chunk, and only the
    # 20-token text reaches the third
    assert outputs.shape == (3, 20, 2) and mask.shape == (3, 20)
    with pytest.raises(ValueError, match="at least 1"):
        ChunkedEncoder(Recorder(), 0)


def test_head_blocks_and_bad_sizes():
    head = PoolingClassifier([12, 5, 2], ps=[0.4, 0.0])
    assert [type(m).__name__ for m in head.layers[1]] == ["BatchNorm1d", "Linear"]  # no dropout at 0, no ReLU last
    assert head.layers[0][0].bias[0].item() == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="1 dropout probabilities for 2 blocks"):
        PoolingClassifier([12, 5, 2], ps=[0.4])
