"""Runnable training code for the deep-learning notes.

Each module teaches one idea and is small enough to read top to bottom. The site's
notes include its code by section, its notebooks import it, and the tests run it, so
the code you copy from a page is the code that was tested.

One package or module per topic, named as the topic's folder of notes (`docs/<topic>/`):

    foundations: a complete training loop from scratch (affine layers, ReLU, losses, SGD,
        minibatches, `fit`, the learning rate finder), a small CNN, nearest neighbours in an
        embedding, and data-parallel training over several processes.
    vision: transfer learning from an ImageNet-pretrained network.
    nlp: text classification with fastai and with a pretrained transformer; embeddings.
    tabular: tabular data with fastai, random forests and gradient boosting.
    collab: collaborative filtering, from a dot product to fastai's `collab_learner`.
    deploy: train, export and serve the digit classifier as a Gradio web app.

Shared by the topics (a topic never imports another topic):

    datasets: loaders for data that ships with the project's pinned packages (no network).
    results: a notebook's headline result in a fixed form (notebook support).
    textlog: plain-text training logs for fastai, so notebook outputs are stable (notebook support).
    notebook: the one call a notebook makes first: plain-text logs, one thread, known warnings off
        (notebook support).
"""

__version__ = "0.1.0"
