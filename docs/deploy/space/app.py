"""The Hugging Face Space's entry point: Spaces runs `python app.py` and serves what it launches.

Upload, next to this file: requirements.txt, the `snippets/` package (at least __init__.py,
app.py, export.py and vision.py) and the exported model folder `models/digits/`.
"""

from pathlib import Path

from snippets.app import build_app, examples_in

model = Path(__file__).parent / "models" / "digits"
demo = build_app(model, examples_in(model))

if __name__ == "__main__":
    demo.launch()  # on Spaces, Gradio listens on 0.0.0.0:7860 by itself
