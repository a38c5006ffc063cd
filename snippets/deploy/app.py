"""A web app for the digit classifier: `python -m snippets.deploy.app` (or `make app`) serves it on 127.0.0.1.

Gradio builds the page and an HTTP API from one Python function. The function here opens the
uploaded file itself, so that every kind of bad input gets a clear message instead of a crash:
no file, a file that is not an image or is corrupt, an image too large to be worth decoding, a
blank image, and unusual colour modes (transparency, palettes, 16-bit, CMYK) are each handled.
The model is loaded from safetensors + JSON (`snippets.deploy.export`): no pickle is ever opened.
Requests wait in a bounded queue and run at most `CONCURRENCY` at a time, each on
`THREADS_PER_PREDICTION` threads; `serve` refuses uploads over `MAX_FILE_BYTES` before they are stored,
and Gradio deletes uploads from its cache once they are older than `KEEP_UPLOADS_S` seconds (it looks
every minute). A refused upload
is logged in one line; a real error is logged with its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch import nn

from snippets.deploy.domain import DomainCheck, block_statistics
from snippets.deploy.export import load_model

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home; set before gradio is imported

import gradio as gr

MAX_PIXELS = 25_000_000  # 25 megapixels (a 5,000 x 5,000 image): larger uploads are refused before decoding
MAX_FILE_BYTES = 20_000_000  # 20 MB
CONCURRENCY = 2  # predictions computed at once, by every event together; the rest wait in the queue
THREADS_PER_PREDICTION = max(1, (os.cpu_count() or 1) // CONCURRENCY)  # so that together they use each core once
QUEUE_SIZE = 64  # requests allowed to wait; more get "queue full" at once instead of waiting forever
KEEP_UPLOADS_S = 600  # uploads older than this are deleted from Gradio's cache (checked every minute)
log = logging.getLogger(__name__)


NOT_A_DIGIT = "This does not look like a handwritten digit, so there is no answer. Upload a picture of one digit."
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # PIL's names (its JPEG reader also opens phones' MPO)
NOT_AN_IMAGE = "That file is not an image this app can read (PNG, JPEG, GIF, BMP, WebP or TIFF)."


class BadImage(ValueError):
    """An upload the app cannot classify; the message says why, in words for the user."""


# --8<-- [start:prepare]
def prepare_digit(path: str | Path | None, meta: dict[str, Any]) -> torch.Tensor:
    """Open an uploaded file and turn it into the model's input: a (1, 1, 28, 28) normalised tensor.

    Colour and transparency are flattened onto white and turned to grey; a dark digit on a light
    background (a drawing, a photo of paper) is inverted to MNIST's light-on-dark; the image is
    cropped to the ink, padded square and resized to the model's input size.

    Raises:
        BadImage: no file, a file too big, not an image of a format in `FORMATS`, corrupt, too
            many pixels, or blank.

    Examples:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "one.png"
        >>> canvas = Image.new("L", (60, 80), 255)
        >>> canvas.paste(0, (27, 10, 33, 70))  # a black vertical bar on white: a 1
        >>> canvas.save(path)
        >>> x = prepare_digit(path, {"input_size": [28, 28], "mean": 0.1307, "std": 0.3081})
        >>> x.shape, round(float(x.max()), 2)
        (torch.Size([1, 1, 28, 28]), 2.82)
    """
    if path is None:
        raise BadImage("No image: upload a picture of one handwritten digit.")
    path = Path(path)
    if not path.is_file():
        raise BadImage("The upload did not arrive: try again.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadImage(f"The file is {path.stat().st_size:,} bytes; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB "
                       f"({MAX_FILE_BYTES:,} bytes).")
    limit = f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels."
    too_large = f"The image has more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels; {limit}"   # PIL's own refusal
    try:
        size = image_size(path)  # from the header: nothing decoded yet
    except Image.DecompressionBombError as error:
        raise BadImage(too_large) from error
    if size is None:
        raise BadImage(NOT_AN_IMAGE)
    width, height = size
    if width * height > MAX_PIXELS:
        raise BadImage(f"The image is {width} x {height} pixels; {limit}")
    try:
        with Image.open(path, formats=FORMATS) as image:
            image.load()
            grey = _to_grey(image)
    except Image.DecompressionBombError as error:
        raise BadImage(too_large) from error
    except UnidentifiedImageError as error:
        raise BadImage(NOT_AN_IMAGE) from error
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt image data
        raise BadImage("The image file is damaged and cannot be decoded.") from error
    return digit_input(grey, meta)


def digit_input(image: Image.Image, meta: dict[str, Any]) -> torch.Tensor:
    """A decoded image, in any colour mode, to the model's input: `prepare_digit` after the file checks.

    Raises:
        BadImage: if the image is blank.

    Examples:
        >>> meta = {"input_size": [28, 28], "mean": 0.1307, "std": 0.3081}
        >>> digit_input(Image.new("RGB", (30, 30), (200, 0, 0)), meta)
        Traceback (most recent call last):
        ...
        snippets.deploy.app.BadImage: The image is blank: there is no digit to read.
    """
    pixels = np.asarray(_to_grey(image), dtype=np.float32) / 255.0
    if pixels.max() - pixels.min() < 0.1:
        raise BadImage("The image is blank: there is no digit to read.")
    if np.median(pixels) > 0.5:  # mostly light: dark ink on paper, so invert to MNIST's light on dark
        pixels = 1.0 - pixels
    return _fit_to_input(pixels, meta)
# --8<-- [end:prepare]


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the file's header, or None if none of the readers of `FORMATS` recognises it.

    `Image.open` reads only the header too, but for an image of more than about 179 megapixels
    (twice `Image.MAX_IMAGE_PIXELS`, PIL's guard against decompression bombs) it raises
    `DecompressionBombError` instead of returning the size. This asks the readers of `FORMATS` in
    turn, as `Image.open(path, formats=FORMATS)` does, without that check, so that the app can refuse
    the image with its size. These readers decode nothing on opening; the one exception is a GIF whose
    first frame is larger than its screen, which PIL checks as it reads the frame (so that still raises
    `DecompressionBombError`). A reader that recognises the file but then refuses it counts as not
    recognising it.
    """
    Image.init()
    with path.open("rb") as file:
        prefix = file.read(16)
        for name in FORMATS:
            reader, accept = Image.OPEN[name]
            file.seek(0)
            try:
                accepted = not accept or accept(prefix)
                if not accepted or isinstance(accepted, str):  # a string is PIL's "recognised, but unsupported"
                    continue
                return reader(file, str(path)).size
            except (SyntaxError, IndexError, TypeError, struct.error, OSError, ValueError):  # not this format
                continue
    return None


def _to_grey(image: Image.Image) -> Image.Image:
    """Any PIL mode to 8-bit grey; transparent parts become white (the page behind a drawing)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16/32-bit integers: scale to 0-255
        array = np.asarray(image, dtype=np.float64)
        span = max(array.max() - array.min(), 1.0)
        return Image.fromarray(((array - array.min()) / span * 255).astype(np.uint8))
    if image.mode == "F":
        array = np.nan_to_num(np.asarray(image, dtype=np.float64))
        span = max(array.max() - array.min(), 1e-12)
        return Image.fromarray(((array - array.min()) / span * 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return image.convert("L")


def _fit_to_input(pixels: np.ndarray, meta: dict[str, Any]) -> torch.Tensor:
    """Crop to the ink, pad to a square with a margin (as MNIST centres its digits), resize, normalise."""
    rows, cols = np.nonzero(pixels > 0.2)
    if len(rows):
        pixels = pixels[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    side = int(max(pixels.shape) * 1.4) + 1  # MNIST's digits fill about 20 of 28 pixels
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - pixels.shape[0]) // 2, (side - pixels.shape[1]) // 2
    square[top : top + pixels.shape[0], left : left + pixels.shape[1]] = pixels
    image = ImageOps.fit(Image.fromarray((square * 255).astype(np.uint8)), tuple(meta["input_size"][::-1]),
                         method=Image.Resampling.LANCZOS)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0)[None, None]
    return (x - meta["mean"]) / meta["std"]


def classify(model: nn.Module, meta: dict[str, Any], check: DomainCheck, path: str | Path | None) -> dict[str, float]:
    """Class name -> probability for one uploaded file; raises `gr.Error` with the reason on bad input.

    An image that `check` finds unlike the training digits gets no label but the message
    `NOT_A_DIGIT`: a confident wrong answer is worse than none. A refusal is logged in one line (the
    file and the reason) and Gradio is told not to print its traceback; any other error propagates,
    and Gradio logs it with its traceback.
    """
    try:
        x = prepare_digit(path, meta)
    except BadImage as error:
        raise _refusal(path, str(error), "Cannot read this image") from error
    if not check.accepts(block_statistics(model, x))[0]:
        raise _refusal(path, NOT_A_DIGIT, "Not a digit?")
    with torch.no_grad():
        probs = model(x).softmax(dim=1)[0]
    return {name: float(p) for name, p in zip(meta["classes"], probs, strict=True)}


def _refusal(path: str | Path | None, reason: str, title: str) -> gr.Error:
    """Log one line for a refused upload and return the error the user sees (without a logged traceback)."""
    name = "no file" if path is None else repr(Path(path).name)
    log.warning("refused %s: %s", name, reason)
    return gr.Error(reason, title=title, print_exception=False)


# --8<-- [start:build_app]
def build_app(model_folder: str | Path, examples: list[str] | None = None, *,
              keep_uploads_s: int = KEEP_UPLOADS_S) -> gr.Blocks:
    """The Gradio page and API (`/predict`) for the model in `model_folder`.

    Both events (the button and a new upload) call the same function in one concurrency group, so
    together they run at most `CONCURRENCY` predictions at once. Uploads are deleted from Gradio's
    cache once older than `keep_uploads_s` seconds (the examples are kept).

    Raises:
        FileNotFoundError: if the model or its domain check has not been exported there (`make model`).
    """
    model, meta = load_model(model_folder)
    check = DomainCheck.load(model_folder)
    sweep = (min(60, keep_uploads_s), keep_uploads_s)  # (how often to look, how old a file may get), in seconds

    def predict(path: str | None) -> dict[str, float]:
        return classify(model, meta, check, path)

    with gr.Blocks(title="Handwritten digit classifier", delete_cache=sweep) as app:
        gr.Markdown("# Which digit is it?\nUpload a picture of one handwritten digit (dark on light or light on "
                    f"dark). Up to {MAX_PIXELS / 1e6:.0f} megapixels and {MAX_FILE_BYTES / 1e6:.0f} MB.")
        with gr.Row():
            # A File input, not gr.Image: gr.Image decodes the upload before our code runs, so a bad
            # file would fail inside Gradio with a generic error instead of our clear message. No
            # `file_types`: Gradio would refuse other extensions with its own message, before ours.
            upload = gr.File(label="Image of a digit", type="filepath", height=140)
            label = gr.Label(num_top_classes=3, label="Prediction")
        button = gr.Button("Classify", variant="primary")
        button.click(predict, inputs=upload, outputs=label, api_name="predict", concurrency_id="classify")
        upload.upload(predict, inputs=upload, outputs=label, api_visibility="private", concurrency_id="classify")
        if examples:
            gr.Examples(examples, inputs=upload)
    return app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
# --8<-- [end:build_app]


def examples_in(model_folder: str | Path) -> list[str]:
    """The example images saved with the model (`model_folder/examples/*.png`), sorted."""
    return sorted(str(p) for p in (Path(model_folder) / "examples").glob("*.png"))


# --8<-- [start:serve]
def serve(app: gr.Blocks, **options: Any) -> None:
    """Launch `app` with the limits this page promises; `options` go to `launch` (address, port).

    Each prediction gets `THREADS_PER_PREDICTION` threads, and an upload over `MAX_FILE_BYTES` is
    refused by Gradio (HTTP 413) while it arrives, before it is stored: the partial file is deleted.
    """
    torch.set_num_threads(THREADS_PER_PREDICTION)
    app.launch(max_file_size=MAX_FILE_BYTES, show_error=False, **options)
# --8<-- [end:serve]


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m snippets.deploy.app [--model FOLDER] [--port 7860]`; serves on 127.0.0.1 only."""
    parser = argparse.ArgumentParser(description="Serve the digit classifier on this machine.")
    parser.add_argument("--model", type=Path, default=Path("models/digits"), help="folder from `make model`")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(argv)
    try:
        app = build_app(args.model, examples_in(args.model))
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"cannot start: {error}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(app, server_name="127.0.0.1", server_port=args.port)


if __name__ == "__main__":
    main()
