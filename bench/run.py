"""Benchmarks: print figures, assert nothing about time.

Run with `make bench`. Each benchmark prints one line: what was measured and the figure.
"""

from __future__ import annotations

import argparse
import copy
import socket
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from PIL import Image

from snippets.datasets import load_digits
from snippets.foundations import MLP, SGD, cross_entropy, fit
from tools import synthetic_site
from tools.sitemetrics import notebook_page_ratio, search_index_ratio


def time_fit(make_optimizer, model, split, epochs: int = 20) -> float:
    g = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    fit(model, cross_entropy, make_optimizer(model.parameters()), split.train, split.valid,
        epochs=epochs, batch_size=64, generator=g, log=None)
    return time.perf_counter() - start


def load_test(model_folder: Path, n_requests: int = 200, concurrency: int = 8, bad_share: float = 0.25) -> None:
    """Serve the app, send `n_requests` from `concurrency` clients at once, a quarter of them bad inputs.

    A "server error" is any answer other than the right one: a good image that fails, or a bad
    input whose error is not the app's own clear message.
    """
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from snippets.deploy.app import build_app, examples_in, serve

    examples = examples_in(model_folder)
    scratch = Path(tempfile.mkdtemp())
    (scratch / "notes.png").write_text("not an image")
    Image.new("L", (40, 40), 255).save(scratch / "blank.png")
    data = Path(examples[0]).read_bytes()
    (scratch / "cut.png").write_bytes(data[: len(data) // 2])
    bad = [None, scratch / "notes.png", scratch / "blank.png", scratch / "cut.png"]
    n_bad = round(n_requests * bad_share)
    requests = [("bad", bad[i % len(bad)]) for i in range(n_bad)]
    requests += [("good", examples[i % len(examples)]) for i in range(n_requests - n_bad)]
    requests = [requests[i] for i in torch.randperm(len(requests), generator=torch.Generator().manual_seed(0))]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(model_folder, examples)
    serve(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    clients = [Client(f"http://127.0.0.1:{port}/", verbose=False) for _ in range(concurrency)]

    def send(i: int) -> tuple[str, float, bool]:
        kind, path = requests[i]
        start = time.perf_counter()
        try:
            label = clients[i % concurrency].predict(None if path is None else handle_file(str(path)),
                                                     api_name="/predict")["label"]
            ok = kind == "good" and label == Path(path).stem.removeprefix("digit_")  # digit_3.png -> "3"
        except AppError as error:
            ok = kind == "bad" and "Traceback" not in str(error) and "upstream" not in str(error)
        except Exception:
            ok = False
        return kind, time.perf_counter() - start, ok

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, range(len(requests))))
    wall = time.perf_counter() - start
    app.close()
    latencies = sorted(t for _, t, _ in results)
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    errors = sum(not ok for _, _, ok in results)
    print(f"web app load test: {len(results)} requests ({n_bad} bad inputs), {concurrency} at a time: "
          f"server errors {errors}, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"{len(results) / wall:.1f} requests/s")


def time_reference_loop(model, split, epochs: int = 20) -> float:
    """The same training as `fit`, written the usual PyTorch way: torch.optim.SGD and a DataLoader."""
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(*split.train), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        with torch.no_grad():
            F.cross_entropy(model(split.x_valid), split.y_valid)
    return time.perf_counter() - start


def time_fastai_learner(split, epochs: int = 20) -> float:
    """fastai's Learner on the same data, batch size and optimiser settings, for reference."""
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.optimizer import SGD as FastaiSGD

    from snippets.textlog import plain_text_log

    dls = DataLoaders.from_dsets(list(zip(*split.train, strict=True)), list(zip(*split.valid, strict=True)),
                                 bs=64, device="cpu")
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    learn = plain_text_log(Learner(dls, model, loss_func=torch.nn.CrossEntropyLoss(),
                                   opt_func=lambda p, lr: FastaiSGD(p, lr, mom=0.9, wd=1e-4)))
    learn.logger = lambda *_: None
    start = time.perf_counter()
    learn.fit(epochs, lr=0.05)
    return time.perf_counter() - start


def time_site_build() -> float:
    import os
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as site:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site],
                       check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        seconds = time.perf_counter() - start
        print_page_weights(Path(site))
        print_browser_figures(Path(site))
        return seconds


def print_browser_figures(site: Path) -> None:
    """In Chromium at 1280 x 900: each cheat sheet's height in screens, and the search query set's hit rate."""
    from tests.search_queries import QUERIES
    from tools.browsercheck import VIEWPORT, chromium, search_misses, serve, sheet_layout

    with serve(site) as base, chromium() as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        for sheet in sorted((site / "cheatsheet").glob("*.html")):
            screens, overflowing = sheet_layout(page, f"{base}cheatsheet/{sheet.name}")
            print(f"cheat sheet {sheet.stem}: {screens:.2f} screens at 1280 x 900 (goal <= 2.5), "
                  f"{len(overflowing)} code blocks scrolling sideways")
        misses = search_misses(page, base, QUERIES)
        print(f"search: {len(QUERIES) - len(misses)} of {len(QUERIES)} queries find their page in the first three "
              f"(goal >= 95%); missed: {sorted(misses) or 'none'}")


def print_page_weights(site: Path) -> None:
    """Each notebook page's bytes against its content's, and the search index's bytes against the pages' text."""
    ratios = []
    for notebook in sorted(Path("docs").rglob("*.ipynb")):
        ratio, size = notebook_page_ratio(site / notebook.relative_to("docs").with_suffix(".html"))
        ratios.append((ratio, notebook.stem, size))
    worst = max(ratios)
    print(f"notebook pages: bytes / content bytes {min(ratios)[0]:.2f} to {worst[0]:.2f} "
          f"(worst {worst[1]}, {worst[2] / 1000:.0f} KB; goal <= 1.3; Jupyter's CSS and scripts are cached files)")
    index, text = search_index_ratio(site)
    print(f"search index: {index / 1000:.0f} KB for {text / 1000:.0f} KB of page text, ratio {index / text:.2f} "
          "(goal <= 1.5; notebook prompts, copy labels, second copies of code and long outputs left out)")


def print_domain_figures(model_folder: Path) -> None:
    """The exported app's out-of-domain check: validation digits wrongly refused, and each set of non-digits caught."""
    from snippets.datasets import digits_dataloaders
    from snippets.deploy.domain import DomainCheck
    from snippets.deploy.export import load_model
    from snippets.deploy.not_digits import out_of_domain_images, read_image, share_refused

    model, meta = load_model(model_folder)
    check = DomainCheck.load(model_folder)
    valid = [read_image(path) for path in digits_dataloaders(augment=False).valid_ds.items]   # make model's split
    shares = {"validation digits (wrongly)": share_refused(check, model, meta, valid)}
    shares |= {name: share_refused(check, model, meta, images) for name, images in out_of_domain_images().items()}
    figures = ", ".join(f"{name} {share:.1%}" for name, share in shares.items())
    print(f"web app out-of-domain check, share refused: {figures} (goal: validation digits <= 2%)")


def print_speed_figures() -> None:
    """Images per second of a training step and of inference, per setting (as the faster-training notebook)."""
    from snippets.foundations.cnn import simple_cnn
    from snippets.vision.pretrained import efficientnet_lite0
    from snippets.vision.speed import bf16_is_fast, images_per_second

    settings = {"float32, 1 thread": {}, "2 threads": {"threads": 2}, "channels_last": {"channels_last": True}}
    if bf16_is_fast():
        settings["bfloat16 autocast"] = {"bf16": True}
    else:
        print("bfloat16 autocast: not timed (no bfloat16 instructions here, or oneDNN capped below them)")
    for name, model, batch, steps in (
        ("digit CNN, batch 64 of 28x28", simple_cnn(), torch.randn(64, 1, 28, 28), 30),
        ("EfficientNet-Lite0, batch 32 of 64x64", efficientnet_lite0(n_classes=2), torch.randn(32, 3, 64, 64), 3),
    ):
        figures = ", ".join(
            f"{setting} {images_per_second(model, batch, steps=steps, **options):,.0f} / "
            f"{images_per_second(model, batch, train=False, steps=steps, **options):,.0f}"
            for setting, options in settings.items()
        )
        print(f"images per second (training step / inference), {name}: {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Print benchmark figures.")
    parser.add_argument("--model", type=Path, default=Path("models/digits"), help="exported digit model (make model)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    split = load_digits()
    model = MLP([64, 128, 10], generator=torch.Generator().manual_seed(0))
    for make in (lambda p: SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)):  # warm-up: first-call costs
        time_fit(make, copy.deepcopy(model), split, epochs=1)
    ours = time_fit(lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), copy.deepcopy(model), split)
    theirs = time_fit(
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), copy.deepcopy(model), split
    )
    print(f"foundations fit, digits MLP 64-128-10, 20 epochs: hand-written SGD {ours:.2f} s, "
          f"torch.optim.SGD {theirs:.2f} s, ratio {ours / theirs:.2f}")
    reference = time_reference_loop(copy.deepcopy(model), split)
    print(f"from-scratch loop (our SGD, minibatches, fit) {ours:.2f} s vs torch.optim.SGD + DataLoader loop "
          f"{reference:.2f} s: ratio {ours / reference:.2f} (goal <= 1.05)")
    print(f"fastai Learner, same data, batch size, SGD settings and epochs: {time_fastai_learner(split):.2f} s")
    print_speed_figures()
    print(f"mkdocs build --strict of the whole site: {time_site_build():.1f} s")
    synthetic_site.main([])  # the site with 5x and 10x the topics: build time and search index, against 1x
    load_test(args.model)
    print_domain_figures(args.model)


if __name__ == "__main__":
    main()
