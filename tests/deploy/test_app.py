"""The web app: export/load without pickle, input handling, and a real client against a running server."""

from __future__ import annotations

import copy
import io
import json
import logging
import socket
import struct
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from snippets.datasets import load_mnist_sample
from snippets.deploy import app as app_module
from snippets.deploy.app import (
    CONCURRENCY,
    MAX_FILE_BYTES,
    NOT_A_DIGIT,
    NOT_AN_IMAGE,
    THREADS_PER_PREDICTION,
    BadImage,
    build_app,
    examples_in,
    prepare_digit,
    serve,
)
from snippets.deploy.digits_model import export_digits_model, train_digits_model, write_examples
from snippets.deploy.domain import DomainCheck
from snippets.deploy.export import load_model, save_model
from snippets.deploy.not_digits import out_of_domain_images, share_refused
from snippets.foundations.cnn import simple_cnn
from tests.exact import exactly
from tools import ROOT
from tools.space import assemble

pytestmark = pytest.mark.slow
META = {"architecture": "simple_cnn", "arguments": {"n_classes": 10}, "classes": list("0123456789"),
        "input_size": [28, 28], "mean": 0.1307, "std": 0.3081}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[nn.Module, Path]:
    """The trained model, and the folder it was exported to."""
    learn, accuracy = train_digits_model(epochs=3)
    assert accuracy > 0.9
    return learn.model, export_digits_model(learn, tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def model_folder(trained) -> Path:
    return trained[1]


@pytest.fixture(scope="module")
def examples(model_folder) -> list[str]:
    return examples_in(model_folder)  # written by export_digits_model


@dataclass
class Server:
    """A running app: its address, the Blocks, and the folder where Gradio stores uploads."""

    url: str
    app: object
    uploads: Path

    def stored_files(self) -> set[Path]:
        return {path for path in self.uploads.rglob("*") if path.is_file()}


def _serve(model_folder: Path, examples: list[str], uploads: Path, **options) -> Server:
    """Build and serve the app as `main` does (`serve`), on a free port; Gradio stores uploads in `uploads`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(model_folder, examples, **options)
    serve(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return Server(f"http://127.0.0.1:{port}", app, uploads)


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    """Gradio's upload folder for this module's servers (it reads GRADIO_TEMP_DIR on every request)."""
    folder = tmp_path_factory.mktemp("uploads")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def server(model_folder, examples, uploads):
    threads = torch.get_num_threads()
    running = _serve(model_folder, examples, uploads)
    try:
        yield running
    finally:
        running.app.close()
        torch.set_num_threads(threads)  # serve() set the process's thread count


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(f"{server.url}/", verbose=False)


def _run_event(url: str, fn_index: int, path: str) -> dict:
    """Upload `path` and run event `fn_index` through the queue as the page does; the final message."""
    import httpx

    with httpx.Client(timeout=60) as http:
        stored = http.post(f"{url}/gradio_api/upload", files={"files": (Path(path).name, Path(path).read_bytes())})
        session = uuid.uuid4().hex
        http.post(f"{url}/gradio_api/queue/join", json={
            "data": [{"path": stored.json()[0], "meta": {"_type": "gradio.FileData"}}], "fn_index": fn_index,
            "session_hash": session, "event_data": None, "trigger_id": None}).raise_for_status()
        with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError(f"event {fn_index} never completed")


def test_export_round_trip_gives_the_trained_weights_and_predictions(trained, examples):
    """The loaded model is the one that was trained: the same tensors, the same outputs, the right digits."""
    trained_model, folder = trained
    model, meta = load_model(folder)
    assert not model.training
    assert meta["classes"] == list("0123456789") and meta["input_size"] == [28, 28]
    assert (meta["mean"], meta["std"]) == (0.1307, 0.3081)  # MNIST's published pixel statistics
    expected = {name: tensor.cpu() for name, tensor in trained_model.state_dict().items()}
    torch.testing.assert_close(dict(model.state_dict()), expected, rtol=0, atol=0)  # every tensor, by name
    x = torch.cat([prepare_digit(path, meta) for path in examples])  # digit_0.png ... digit_3.png
    with torch.no_grad():
        logits = model(x)
        torch.testing.assert_close(logits, copy.deepcopy(trained_model).cpu().eval()(x), rtol=0, atol=0)
    assert logits.argmax(dim=1).tolist() == [0, 1, 2, 3]


def test_load_refuses_missing_or_broken_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `make model`"):
        load_model(tmp_path)
    folder = save_model(simple_cnn(), tmp_path / "m", META)
    (folder / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_model(folder)
    (folder / "model.json").write_text(json.dumps({**META, "architecture": "os.system"}))
    with pytest.raises(ValueError, match=r"unknown architecture 'os\.system'"):
        load_model(folder)
    (folder / "model.json").write_text(json.dumps({**META, "arguments": {"n_classes": 10, "widths": [4, 4, 4, 4]}}))
    with pytest.raises(ValueError, match="does not fit simple_cnn"):
        load_model(folder)
    (folder / "model.json").write_text(json.dumps(META))
    (folder / "model.safetensors").write_bytes(b"\x80\x04 a pickle, not tensors")
    with pytest.raises(ValueError, match="could not be read as safetensors"):
        load_model(folder)


def test_save_checks_metadata(tmp_path):
    with pytest.raises(ValueError, match="lacks classes"):
        save_model(simple_cnn(), tmp_path, {k: v for k, v in META.items() if k != "classes"})
    with pytest.raises(ValueError, match="3 class names for a model with 10 outputs"):
        save_model(simple_cnn(), tmp_path, {**META, "classes": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="weights do not match"):
        save_model(simple_cnn(n_classes=3), tmp_path, META)


def _digit_canvas(mode: str = "L", ink: int = 0, paper: int = 255) -> Image.Image:
    canvas = Image.new("L", (60, 80), paper)
    canvas.paste(ink, (27, 10, 33, 70))
    return canvas if mode == "L" else canvas.convert(mode)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "CMYK", "I;16", "1", "F"])
def test_every_colour_mode_gives_the_same_input(tmp_path, mode):
    reference = prepare_digit(_save(tmp_path, "ref.png", _digit_canvas()), META)
    image = _digit_canvas(mode)
    path = _save(tmp_path, "x.tiff" if mode in ("F", "CMYK") else "x.png", image)
    torch.testing.assert_close(prepare_digit(path, META), reference, atol=0.05, rtol=0)


def test_transparent_drawing_is_read_on_white(tmp_path):
    drawing = Image.new("RGBA", (60, 80), (0, 0, 0, 0))  # transparent background, black strokes
    drawing.paste((0, 0, 0, 255), (27, 10, 33, 70))
    reference = prepare_digit(_save(tmp_path, "ref.png", _digit_canvas()), META)
    torch.testing.assert_close(prepare_digit(_save(tmp_path, "d.png", drawing), META), reference, atol=0.05, rtol=0)


def test_light_on_dark_and_dark_on_light_agree(tmp_path):
    dark_ink = prepare_digit(_save(tmp_path, "a.png", _digit_canvas(ink=0, paper=255)), META)
    light_ink = prepare_digit(_save(tmp_path, "b.png", _digit_canvas(ink=255, paper=0)), META)
    torch.testing.assert_close(dark_ink, light_ink)


def _save(folder: Path, name: str, image: Image.Image) -> Path:
    path = folder / name
    image.save(path)
    return path


def _bad_files(folder: Path, example: str) -> dict[str, tuple[Path | None, str]]:
    (folder / "notes.png").write_text("these are words, not pixels")
    data = Path(example).read_bytes()
    (folder / "cut.png").write_bytes(data[: len(data) // 2])
    Image.new("L", (40, 40), 255).save(folder / "blank.png")
    Image.new("L", (6000, 6000), 0).save(folder / "huge.png")  # 36 megapixels, a small file
    return {
        "no file": (None, "No image"),
        "not an image": (folder / "notes.png", "not an image this app can read"),
        "corrupt": (folder / "cut.png", "damaged and cannot be decoded"),
        "blank": (folder / "blank.png", "The image is blank"),
        "huge": (folder / "huge.png", "6000 x 6000 pixels; the limit is 25 megapixels"),
    }


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says `width` x `height` (grey, 8 bits), followed by a tiny image body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IDAT", zlib.compress(b"\0" * 8)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + body


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real 16 x 16 JPEG with the size in its frame header (SOF0) changed to `width` x `height`."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _huge_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Images over PIL's own decompression-bomb limit (about 179 megapixels): the app must still give their size."""
    Image.new("1", (20_000, 20_000), 1).save(folder / "wide.png")  # a real, valid PNG of 400 megapixels (50 kB)
    (folder / "claims.png").write_bytes(_png_claiming(100_000, 100_000))
    (folder / "claims.jpg").write_bytes(_jpeg_claiming(60_000, 50_000))
    limit = "the limit is 25 megapixels."
    return {
        "20,000 px PNG": (folder / "wide.png", f"The image is 20000 x 20000 pixels; {limit}"),
        "100,000 px PNG header": (folder / "claims.png", f"The image is 100000 x 100000 pixels; {limit}"),
        "60,000 px JPEG header": (folder / "claims.jpg", f"The image is 60000 x 50000 pixels; {limit}"),
    }


def _gif_with_a_frame_larger_than_its_screen(width: int, height: int) -> bytes:
    """A GIF whose screen is 1 x 1 and whose first frame is `width` x `height`: PIL checks the frame as it opens."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
    frame = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x4c\x01\x00"
    return screen + frame + b";"


def test_empty_files_gifs_past_pils_limit_and_other_formats_get_clear_messages(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "two.png").write_bytes(b"\n\x05")
    (tmp_path / "frame.gif").write_bytes(_gif_with_a_frame_larger_than_its_screen(20_000, 20_000))
    _digit_canvas().save(tmp_path / "digit.ico")              # an icon decodes as it opens: not accepted
    for name in ("empty.png", "two.png", "digit.ico"):
        with pytest.raises(BadImage, match=exactly(NOT_AN_IMAGE)):
            prepare_digit(tmp_path / name, META)
    with pytest.raises(BadImage, match=exactly("The image has more than 178,956,970 pixels; "
                                               "the limit is 25 megapixels.")):
        prepare_digit(tmp_path / "frame.gif", META)


@pytest.mark.parametrize("kind", ["20,000 px PNG", "100,000 px PNG header", "60,000 px JPEG header"])
def test_an_image_beyond_pils_own_limit_is_refused_with_its_size(tmp_path, kind):
    path, message = _huge_files(tmp_path)[kind]
    with pytest.raises(BadImage, match=exactly(message)):
        prepare_digit(path, META)


@pytest.mark.parametrize("kind", ["20,000 px PNG", "100,000 px PNG header", "60,000 px JPEG header"])
def test_client_gets_the_size_of_an_image_beyond_pils_limit(client, examples, tmp_path, kind):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, message = _huge_files(tmp_path)[kind]
    with pytest.raises(AppError, match=exactly(message)):
        client.predict(handle_file(str(path)), api_name="/predict")
    assert client.predict(handle_file(examples[2]), api_name="/predict")["label"] == "2"


def test_client_is_told_noise_and_photos_are_not_digits(client, examples, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    sets = out_of_domain_images()
    for name in ("random noise", "photographs"):
        path = _save(tmp_path, f"{name}.png", sets[name][0])
        with pytest.raises(AppError, match=exactly(NOT_A_DIGIT)):
            client.predict(handle_file(str(path)), api_name="/predict")
    assert client.predict(handle_file(examples[3]), api_name="/predict")["label"] == "3"


def test_the_exported_check_accepts_validation_digits_and_refuses_noise_and_photos(trained):
    loaded, meta = load_model(trained[1])
    folder = trained[1]
    check = DomainCheck.load(folder)
    images, _ = load_mnist_sample()
    digits = [Image.fromarray(image) for image in images[::50]]        # 100 digits, ten of each
    assert share_refused(check, loaded, meta, digits) <= 0.05          # most of these were training digits
    sets = out_of_domain_images()
    assert share_refused(check, loaded, meta, sets["random noise"]) == 1.0
    assert share_refused(check, loaded, meta, sets["photographs"]) >= 0.9


def test_an_image_of_25_megapixels_is_read_and_one_pixel_more_is_refused(tmp_path):
    """One row of pixels: a small file, and nothing to decode for the refused one (the header says its size)."""
    at_limit = Image.new("1", (25_000_000, 1), 1)
    at_limit.paste(0, (1000, 0, 1010, 1))  # a short dark stroke, so the image is not blank
    assert prepare_digit(_save(tmp_path, "at.png", at_limit), META).shape == (1, 1, 28, 28)
    over = _save(tmp_path, "over.png", Image.new("1", (25_000_001, 1), 1))
    with pytest.raises(BadImage, match=r"^The image is 25000001 x 1 pixels; the limit is 25 megapixels\.$"):
        prepare_digit(over, META)


def test_a_file_of_20_mb_is_read_and_one_byte_more_is_refused(tmp_path):
    """A small PNG padded with zeros after its end (a sparse file): readers stop at the PNG's last chunk."""
    limit = 20_000_000  # 20 MB, as the page says
    path = _save(tmp_path, "padded.png", _digit_canvas())
    with path.open("r+b") as file:
        file.truncate(limit)
    assert prepare_digit(path, META).shape == (1, 1, 28, 28)
    with path.open("r+b") as file:
        file.truncate(limit + 1)
    with pytest.raises(BadImage, match=r"^The file is 20,000,001 bytes; the limit is 20 MB \(20,000,000 bytes\)\.$"):
        prepare_digit(path, META)


@pytest.mark.parametrize("kind", ["no file", "not an image", "corrupt", "blank", "huge"])
def test_bad_uploads_raise_a_clear_reason(tmp_path, examples, kind):
    path, message = _bad_files(tmp_path, examples[0])[kind]
    with pytest.raises(BadImage, match=message):
        prepare_digit(path, META)


def test_client_gets_the_right_digit_for_each_example(client, examples):
    from gradio_client import handle_file

    for digit, path in enumerate(examples):
        result = client.predict(handle_file(path), api_name="/predict")
        assert result["label"] == str(digit)
        confidences = [c["confidence"] for c in result["confidences"]]
        assert len(confidences) == 3 and confidences == sorted(confidences, reverse=True)
        assert confidences[0] > 0.5 and sum(confidences) <= 1 + 1e-6


@pytest.mark.parametrize("kind", ["no file", "not an image", "corrupt", "blank", "huge"])
def test_client_gets_a_clear_error_and_the_server_keeps_answering(client, examples, tmp_path, kind):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path, message = _bad_files(tmp_path, examples[0])[kind]
    with pytest.raises(AppError, match=message):
        client.predict(None if path is None else handle_file(str(path)), api_name="/predict")
    assert client.predict(handle_file(examples[1]), api_name="/predict")["label"] == "1"


@pytest.mark.parametrize("name", ["notes.txt", "notes", "photo.mpo", "notes.png"])
def test_client_gets_the_apps_message_for_any_file_that_is_not_an_image(client, tmp_path, name):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    (tmp_path / name).write_text("hello")
    with pytest.raises(AppError, match=exactly(NOT_AN_IMAGE)):
        client.predict(handle_file(str(tmp_path / name)), api_name="/predict")


def test_an_upload_over_the_limit_is_refused_while_it_arrives_and_nothing_is_left(server, tmp_path):
    import httpx

    before = server.stored_files()
    big = tmp_path / "big.png"
    with big.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    answer = httpx.post(f"{server.url}/gradio_api/upload", files={"files": ("big.png", big.read_bytes())}, timeout=60)
    assert answer.status_code == 413 and f"{MAX_FILE_BYTES} bytes" in answer.text
    assert server.stored_files() == before
    big.write_bytes(big.read_bytes()[:MAX_FILE_BYTES])  # at the limit: stored, for the app to look at
    answer = httpx.post(f"{server.url}/gradio_api/upload", files={"files": ("big.png", big.read_bytes())}, timeout=60)
    assert answer.status_code == 200 and len(server.stored_files() - before) == 1


def test_uploads_are_deleted_from_the_cache_once_old(model_folder, examples, uploads, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    threads = torch.get_num_threads()
    server = _serve(model_folder, examples, uploads, keep_uploads_s=1)
    name = f"notes-{uuid.uuid4().hex}.png"

    def stored() -> bool:
        return any(path.name == name for path in server.stored_files())

    try:
        (tmp_path / name).write_text("not an image")
        with pytest.raises(AppError, match=exactly(NOT_AN_IMAGE)):
            Client(f"{server.url}/", verbose=False).predict(handle_file(str(tmp_path / name)), api_name="/predict")
        assert stored()
        deadline = time.monotonic() + 20
        while stored() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not stored()
    finally:
        server.app.close()
        torch.set_num_threads(threads)


def test_both_events_together_run_at_most_the_stated_number_of_predictions(server, examples, monkeypatch):
    """The button (`/predict`) and a new upload share one queue group: never more than `CONCURRENCY` at once."""
    predicting = {i: fn for i, fn in server.app.fns.items() if fn.name == "predict"}  # the examples' loader aside
    assert list(predicting) == [0, 1] and {fn.concurrency_id for fn in predicting.values()} == {"classify"}
    assert torch.get_num_threads() == THREADS_PER_PREDICTION
    lock, running, most = threading.Lock(), [0], [0]
    statistics = app_module.block_statistics

    def slow_statistics(model, x):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return statistics(model, x)

    monkeypatch.setattr(app_module, "block_statistics", slow_statistics)
    with ThreadPoolExecutor(3 * CONCURRENCY) as pool:
        events = [(i % 2, examples[i % len(examples)]) for i in range(3 * CONCURRENCY)]  # button, upload, ...
        answers = list(pool.map(lambda event: _run_event(server.url, *event), events))
    assert all(answer["success"] for answer in answers)
    assert most[0] == CONCURRENCY


def test_a_refused_upload_logs_one_line_and_a_real_error_its_traceback(client, examples, tmp_path, caplog, capfd,
                                                                       monkeypatch):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    Image.new("L", (40, 40), 255).save(tmp_path / "blank.png")
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="snippets.deploy.app"), pytest.raises(AppError, match="blank"):
        client.predict(handle_file(str(tmp_path / "blank.png")), api_name="/predict")
    lines = [record.getMessage() for record in caplog.records if record.name == "snippets.deploy.app"]
    assert lines == ["refused 'blank.png': The image is blank: there is no digit to read."]
    assert "Traceback" not in capfd.readouterr().err

    def broken(model, x):
        raise RuntimeError("a bug in the model code")

    monkeypatch.setattr(app_module, "block_statistics", broken)
    with pytest.raises(AppError):
        client.predict(handle_file(examples[0]), api_name="/predict")
    errors = capfd.readouterr().err
    assert "Traceback" in errors and "RuntimeError: a bug in the model code" in errors


def test_write_examples_are_dark_on_light(tmp_path):
    paths = write_examples(tmp_path, n=2)
    pixels = np.asarray(Image.open(paths[0]))
    assert pixels.shape == (112, 112) and np.median(pixels) > 200


def test_space_folder_runs_with_only_the_space_requirements(model_folder, tmp_path):
    """`make space-copy` (tools.space) gathers what a Space needs; the app builds from it alone."""
    import subprocess
    import sys

    space = tmp_path / "space"
    assemble(model_folder, space)
    assert (space / "models" / "digits" / "model.safetensors").is_file()
    assert (space / "models" / "digits" / "domain.safetensors").is_file()
    script = (
        "import os, runpy, sys\n"
        "space = runpy.run_path('app.py')  # as Spaces runs it, without launching\n"
        "import snippets\n"
        "assert os.path.dirname(os.path.dirname(snippets.__file__)) == os.getcwd(), snippets.__file__\n"
        "heavy = {'fastai', 'fastcore', 'mlxtend', 'transformers', 'sklearn', 'skimage'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "print(type(space['demo']).__name__, len(space['demo'].fns))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=space, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("Blocks")


def test_space_requirements_match_the_tested_versions():
    import re

    # requirements.txt is compiled by pip-tools: "name==version \" lines, then hashes and comments
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", (ROOT / "requirements.txt").read_text(), flags=re.M)
    tested = {name.lower().replace("_", "-"): version for name, version in pins}
    assert tested["torch"] == "2.14.1" and len(tested) > 100
    space = [line for line in (ROOT / "docs/deploy/space/requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert {line.split("==")[0] for line in space} >= {"torch", "gradio", "safetensors", "pillow", "numpy"}
    for line in space:
        name, version = line.split("==")
        assert tested[name] == version, f"{name}: the Space pins {version}, the project tests {tested[name]}"
