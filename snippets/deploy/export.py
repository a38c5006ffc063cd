"""Save a trained model as plain tensors plus a small JSON, and load it back without unpickling.

`torch.save(model)` and fastai's `learn.export()` write a *pickle*: loading one runs whatever
code the file names, so a model file from elsewhere is a program you execute. A
**safetensors** file holds tensors and nothing else, and the JSON beside it holds what an app
needs to use them: the architecture's name and arguments, the class names, the input size and
the normalisation. Loading builds the architecture from code you already trust, then fills in
the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file
from torch import nn

from snippets.foundations.cnn import simple_cnn

WEIGHTS, META = "model.safetensors", "model.json"
ARCHITECTURES = {"simple_cnn": simple_cnn}  # names a JSON may ask for: code from this package only
REQUIRED = ("architecture", "arguments", "classes", "input_size", "mean", "std")


# --8<-- [start:save]
def save_model(model: nn.Module, folder: Path | str, meta: dict[str, Any]) -> Path:
    """Write `model.safetensors` (the weights) and `model.json` (`meta`) into `folder`.

    Args:
        model: the trained model; only its `state_dict()` is saved.
        folder: created if missing.
        meta: `architecture` (a name in `ARCHITECTURES`) and its `arguments`, `classes`,
            `input_size` (height, width), and the `mean` and `std` used to normalise inputs.

    Raises:
        ValueError: if `meta` lacks a key, names an unknown architecture, or its class
            count differs from the model's output size.
    """
    _check_meta(meta)
    rebuilt = ARCHITECTURES[meta["architecture"]](**meta["arguments"])
    if {k: v.shape for k, v in rebuilt.state_dict().items()} != {k: v.shape for k, v in model.state_dict().items()}:
        raise ValueError(f"the model's weights do not match {meta['architecture']}(**{meta['arguments']})")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, folder / WEIGHTS)
    (folder / META).write_text(json.dumps(meta, indent=2) + "\n")
    return folder
# --8<-- [end:save]


# --8<-- [start:load]
def load_model(folder: Path | str) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the architecture named in `model.json`, fill in `model.safetensors`, return it in eval mode.

    No pickle is read: the JSON is data, the architecture comes from this package, and the
    weights file holds tensors only.

    Raises:
        FileNotFoundError: if either file is missing.
        ValueError: if the JSON is malformed or incomplete, or the weights do not fit.

    Examples:
        >>> import tempfile, torch
        >>> meta = {"architecture": "simple_cnn", "arguments": {"n_classes": 10}, "classes": list("0123456789"),
        ...         "input_size": [28, 28], "mean": 0.1307, "std": 0.3081}
        >>> folder = save_model(simple_cnn(n_classes=10), tempfile.mkdtemp(), meta)
        >>> model, meta = load_model(folder)
        >>> model(torch.zeros(1, 1, 28, 28)).shape, meta["classes"][:3]
        (torch.Size([1, 10]), ['0', '1', '2'])
    """
    folder = Path(folder)
    for name in (WEIGHTS, META):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: run `make model` to train and export the model")
    try:
        meta = json.loads((folder / META).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{folder / META} is not valid JSON: {error}") from error
    _check_meta(meta)
    model = ARCHITECTURES[meta["architecture"]](**meta["arguments"])
    try:
        model.load_state_dict(load_file(folder / WEIGHTS))  # strict: every weight present, every shape right
    except (RuntimeError, OSError) as error:  # safetensors raises its own error types for a corrupt file
        raise ValueError(f"{folder / WEIGHTS} does not fit {meta['architecture']}: {error}") from error
    except Exception as error:
        raise ValueError(f"{folder / WEIGHTS} could not be read as safetensors: {error}") from error
    return model.eval(), meta
# --8<-- [end:load]


def _check_meta(meta: Any) -> None:
    if not isinstance(meta, dict):
        raise ValueError(f"model metadata must be a JSON object, got {type(meta).__name__}")
    missing = [key for key in REQUIRED if key not in meta]
    if missing:
        raise ValueError(f"model metadata lacks {', '.join(missing)}")
    if meta["architecture"] not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {meta['architecture']!r}; known: {sorted(ARCHITECTURES)}")
    n_classes = meta["arguments"].get("n_classes")
    if n_classes is not None and n_classes != len(meta["classes"]):
        raise ValueError(f"{len(meta['classes'])} class names for a model with {n_classes} outputs")
