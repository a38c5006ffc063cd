"""The mid-level data API's pair transform, the Siamese model and the pixel baseline."""

from __future__ import annotations

import random
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from fastai.data.core import Pipeline, TfmdLists
from fastai.data.transforms import IntToFloatTensor, ToTensor, parent_label
from fastai.learner import Learner
from fastai.vision.core import PILImageBW
from PIL import Image
from torch import nn

from snippets.vision.siamese import (
    NormalizeMean,
    SiameseImage,
    SiameseModel,
    SiameseTransform,
    best_threshold,
    pixel_distance,
    siamese_splitter,
)


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory) -> list[Path]:
    """Four labels with six small images each, every image a different shade (its identity)."""
    root = tmp_path_factory.mktemp("pairs")
    files = []
    for label in "0123":
        (root / label).mkdir()
        for i in range(6):
            path = root / label / f"{i}.png"
            Image.fromarray(np.full((8, 8), 10 * int(label) + i, dtype=np.uint8)).save(path)
            files.append(path)
    return files


def splits_of(files: list[Path]) -> tuple[list[int], list[int]]:
    """Files 0-3 of each label train, 4-5 validate."""
    return [i for i in range(len(files)) if i % 6 < 4], [i for i in range(len(files)) if i % 6 >= 4]


def test_validation_pairs_are_fixed_by_the_seed_and_stay_in_their_split(digit_files):
    splits = splits_of(digit_files)
    tfm = SiameseTransform(digit_files, parent_label, splits, seed=0)
    again = SiameseTransform(digit_files, parent_label, splits, seed=0)
    other = SiameseTransform(digit_files, parent_label, splits, seed=1)
    valid = {digit_files[i] for i in splits[1]}
    assert tfm.valid == again.valid and tfm.valid != other.valid
    assert set(tfm.valid) == valid
    for file, (partner, same) in tfm.valid.items():
        assert partner in valid and partner != file
        assert same == (parent_label(partner) == parent_label(file))
    # the same file read twice gives the same pair
    first, second = tfm(digit_files[splits[1][0]]), tfm(digit_files[splits[1][0]])
    assert np.array_equal(np.array(first[1]), np.array(second[1]))


def test_training_partners_are_new_draws_from_the_training_split_about_half_the_same(digit_files):
    splits = splits_of(digit_files)
    tfm = SiameseTransform(digit_files, parent_label, splits)
    train = {digit_files[i] for i in splits[0]}
    random.seed(0)
    draws = [tfm._draw(digit_files[0]) for _ in range(2000)]
    assert all(partner in train and partner != digit_files[0] for partner, _ in draws)
    assert len({partner for partner, _ in draws}) == len(train) - 1  # every other training file, in time
    share_same = np.mean([same for _, same in draws])
    assert 0.45 < share_same < 0.55
    assert all(same == (parent_label(p) == "0") for p, same in draws)


@pytest.mark.parametrize("seed", range(3))
def test_the_draw_is_rng_choice_over_the_other_files_of_the_label(digit_files, seed):
    """Counting past the file's place draws exactly what `rng.choice` on the list without the file draws."""
    splits = splits_of(digit_files)
    tfm = SiameseTransform(digit_files, parent_label, splits)

    def by_list(file, rng):  # the plain way: build the list of candidates, then choose
        by_label = tfm.files_by_label[tfm.split_of[file]]
        same = rng.random() < 0.5
        label = parent_label(file)
        if not same:
            label = rng.choice([other for other in by_label if other != label])
        return rng.choice([f for f in by_label[label] if f != file]), same

    plain, counted = random.Random(seed), random.Random(seed)
    for _ in range(50):
        for i in splits[0] + splits[1]:
            assert tfm._draw(digit_files[i], counted) == by_list(digit_files[i], plain)


def test_the_books_draw_leaks_validation_images_into_training_pairs_and_this_one_does_not(digit_files):
    """fastbook's `_draw` picks the partner among all files of the label: validation files, and the file itself."""
    labels = sorted({parent_label(f) for f in digit_files})
    files_by_label = {label: [f for f in digit_files if parent_label(f) == label] for label in labels}

    def books_draw(f):
        same = random.random() < 0.5
        cls = parent_label(f)
        if not same:
            cls = random.choice([label for label in labels if label != cls])
        return random.choice(files_by_label[cls]), same

    splits = splits_of(digit_files)
    train_file, valid = digit_files[splits[0][0]], {digit_files[i] for i in splits[1]}
    random.seed(0)
    book = [books_draw(train_file)[0] for _ in range(500)]
    ours = SiameseTransform(digit_files, parent_label, splits)
    mine = [ours._draw(train_file)[0] for _ in range(500)]
    assert any(p in valid for p in book) and any(p == train_file for p in book)
    assert not any(p in valid or p == train_file for p in mine)


def test_encodes_opens_both_images_and_flags_the_pair(digit_files):
    splits = splits_of(digit_files)
    tfm = SiameseTransform(digit_files, parent_label, splits)
    file = digit_files[splits[1][0]]
    image1, image2, same = tfm(file)
    assert isinstance(image1, PILImageBW) and isinstance(image2, PILImageBW)
    partner, expected = tfm.valid[file]
    assert np.array(image1)[0, 0] == 4  # label 0, image 4
    assert np.array(image2)[0, 0] == 10 * int(partner.parent.name) + int(partner.stem)
    assert same == int(expected) and isinstance(same, int)


@pytest.mark.parametrize("keep_images", [False, True])
def test_kept_images_are_opened_once_and_give_the_same_pairs(digit_files, keep_images, monkeypatch):
    splits = splits_of(digit_files)
    tfm = SiameseTransform(digit_files, parent_label, splits, keep_images=keep_images)
    opened = []
    create = PILImageBW.create
    monkeypatch.setattr(PILImageBW, "create", lambda file: opened.append(file) or create(file))
    valid_file = digit_files[splits[1][0]]
    first, second = tfm(valid_file), tfm(valid_file)  # a validation file: the same pair both times
    assert [np.array(image).tolist() for image in first[:2]] == [np.array(image).tolist() for image in second[:2]]
    assert np.array(first[0]).tolist() == np.array(Image.open(valid_file)).tolist()
    assert len(opened) == (2 if keep_images else 4)


def test_pairs_go_through_fastai_item_and_batch_transforms(digit_files):
    splits = splits_of(digit_files)
    pairs = TfmdLists(digit_files, SiameseTransform(digit_files, parent_label, splits), splits=splits)
    dls = pairs.dataloaders(bs=4, after_item=[ToTensor], after_batch=[IntToFloatTensor], device="cpu")
    image1, image2, same = dls.valid.one_batch()
    assert image1.shape == image2.shape == (4, 1, 8, 8)
    assert image1.dtype == torch.float32 and image1.max() <= 1
    expected = [int(pairs.tfms[0].valid[digit_files[i]][1]) for i in splits[1][:4]]
    assert same.tolist() == expected


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        (([0, 1, 2], [2, 3]), "share items"),
        (([0, 1, 6, 7], [2, 3]), "two labels"),  # validation: one label only
        (([0, 1, 6, 7], [2, 8]), "two files"),  # validation: two labels, one file each
    ],
)
def test_bad_splits_are_refused(digit_files, splits, message):
    with pytest.raises(ValueError, match=message):
        SiameseTransform(digit_files, parent_label, splits)


def test_normalize_mean_learns_from_setup_and_decodes_back():
    pipe = Pipeline([NormalizeMean()])
    pipe.setup([2.0, 4.0])
    assert pipe(5.0) == 2.0 and pipe.decode(2.0) == 5.0
    # no type hints, so integers and tensors are centred too (the book's example uses integers)
    pipe.setup([1, 2, 3, 4, 5])
    assert pipe(2) == -1.0 and torch.equal(pipe(torch.tensor([4.0])), torch.tensor([1.0]))


def test_a_string_path_is_encoded_and_a_file_outside_the_splits_is_refused(digit_files, tmp_path):
    splits = splits_of(digit_files)
    tfm = SiameseTransform([str(f) for f in digit_files], parent_label, splits)
    image1, _, _ = tfm(str(digit_files[splits[1][0]]))
    assert isinstance(image1, PILImageBW)
    with pytest.raises(ValueError, match="neither split"):
        tfm(tmp_path / "0" / "99.png")


def test_siamese_image_shows_both_images_with_its_verdict():
    image = PILImageBW.create(np.zeros((10, 10), dtype=np.uint8))
    ax = SiameseImage(image, image, 0).show()
    assert ax.get_title() == "different"
    assert ax.images[0].get_array().shape == (10, 24)  # 10 + the 4-pixel bar + 10


def test_one_encoder_reads_both_images_and_the_head_sees_them_in_order():
    torch.manual_seed(0)
    encoder = nn.Conv2d(1, 3, kernel_size=3)
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 2))
    model = SiameseModel(encoder, head)
    x1, x2 = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8)
    expected = head(torch.cat([encoder(x1), encoder(x2)], dim=1))
    assert torch.allclose(model(x1, x2), expected)
    assert not torch.allclose(model(x1, x2), model(x2, x1))  # the head knows which image came first
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for m in (encoder, head) for p in m.parameters())
    model(x1, x2).sum().backward()
    assert encoder.weight.grad is not None and encoder.weight.grad.abs().sum() > 0


def test_freeze_with_the_splitter_trains_the_head_and_the_encoders_batchnorm():
    from fastai.data.core import DataLoaders

    model = SiameseModel(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)),
                         nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2)))
    data = [(torch.zeros(1, 8, 8), torch.zeros(1, 8, 8), 0)] * 4
    learn = Learner(DataLoaders.from_dsets(data, data, bs=2, device="cpu"), model,
                    loss_func=lambda s, t: nn.functional.cross_entropy(s, t.long()), splitter=siamese_splitter)
    assert len(siamese_splitter(model)) == 2
    learn.freeze()
    assert not model.encoder[0].weight.requires_grad
    assert model.encoder[1].weight.requires_grad  # fastai keeps BatchNorm trainable (train_bn=True)
    assert all(p.requires_grad for p in model.head.parameters())
    learn.unfreeze()
    assert all(p.requires_grad for p in model.parameters())


def test_pixel_distance_is_the_root_mean_square_difference():
    a, b = torch.zeros(3, 1, 4, 4), torch.zeros(3, 1, 4, 4)
    b[1] = 2.0
    b[2, 0, 0, :] = 4.0  # a quarter of the pixels differ by 4: mean square 4
    assert pixel_distance(a, b).tolist() == [0.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="differ in shape"):
        pixel_distance(a, b[:2])


def test_best_threshold_is_the_best_of_every_cut():
    g = torch.Generator().manual_seed(0)
    distances = torch.rand(200, generator=g)
    same = (distances + 0.3 * torch.randn(200, generator=g) < 0.5).long()
    threshold, acc = best_threshold(distances, same)
    brute = max(((distances < t) == same.bool()).float().mean().item() for t in torch.linspace(-0.1, 1.1, 5001))
    assert acc >= brute and acc == pytest.approx(((distances < threshold) == same.bool()).float().mean())
    assert 0.3 < threshold < 0.7
    with pytest.raises(ValueError, match="as many labels"):
        best_threshold(distances, same[:5])
    with pytest.raises(ValueError, match="at least one"):
        best_threshold(torch.tensor([]), torch.tensor([]))
