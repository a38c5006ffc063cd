"""The Hugging Face Space's entry point: Spaces runs `python app.py` and serves what it launches.

Upload, next to this file: requirements.txt, the modules of the `snippets/` package that the app
imports, and the exported model folder `models/digits/` (`make space` gathers them in build/space/).
"""

import logging
from pathlib import Path

from snippets.deploy.app import build_app, examples_in, serve

model = Path(__file__).parent / "models" / "digits"
demo = build_app(model, examples_in(model))

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(demo)  # on Spaces, Gradio listens on 0.0.0.0:7860 by itself
