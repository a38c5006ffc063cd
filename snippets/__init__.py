"""Runnable training code for the deep-learning notes.

Each module teaches one idea and is small enough to read top to bottom. The site's
notes include its code by section, its notebooks import it, and the tests run it, so
the code you copy from a page is the code that was tested.

Modules:
    foundations: a complete training loop from scratch (affine layers, ReLU, losses,
        SGD with momentum and weight decay, minibatches, `fit`).
    distributed: the from-scratch loop, data-parallel over several processes (`torchrun`).
    datasets: loaders for data that ships with the project's pinned packages (no network).
    vision: image classification, a small CNN and transfer learning from ImageNet.
    text: text classification with fastai, and a TF-IDF baseline.
    pretrained_text: a pretrained transformer, fine-tuned or used for sentence vectors.
    embeddings: learned vectors per word, and their nearest neighbours.
    tabular: tabular data with fastai, random forests and gradient boosting.
    collab: collaborative filtering, from a dot product to fastai's `collab_learner`.
    textlog: plain-text training logs for fastai, so notebook outputs are stable.
    export: save a model as safetensors + JSON and load it without unpickling.
    digits_model: train and export the digit classifier that the web app serves.
    app: the Gradio web app (`python -m snippets.app`).
"""

__version__ = "0.1.0"
