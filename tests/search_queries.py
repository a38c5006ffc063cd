"""What a fast.ai learner types into the site's search, and the pages that answer it.

Each query maps to the pages that teach it; at least one of them must be among the first three
results. Three kinds of query: fastai, PyTorch and scikit-learn identifiers (often found only inside
a code block), concepts, and the word forms and spellings people type ("tokenization" for a page
that also says "tokenisation"). The browser test runs them all; `make bench` prints the hit rate.
"""

from __future__ import annotations

FOUNDATIONS = {"foundations/index.html", "cheatsheet/foundations.html"}
VISION = {"vision/index.html", "cheatsheet/vision.html"}
NLP = {"nlp/index.html", "cheatsheet/nlp.html"}
TABULAR = {"tabular/index.html", "cheatsheet/tabular.html"}
COLLAB = {"collab/index.html", "cheatsheet/collab.html"}
DEPLOY = {"deploy/index.html", "cheatsheet/deploy.html"}
BACKPROP = FOUNDATIONS | {"foundations/backprop-and-optimisers.html"}
LEARNER = FOUNDATIONS | {"foundations/learner-and-one-cycle.html"}
CONVOLUTIONS = FOUNDATIONS | {"foundations/convolutions.html"}

QUERIES: dict[str, set[str]] = {
    # identifiers
    "show_batch": VISION,
    "plot_top_losses": VISION,
    "most_confused": VISION,
    "aug_transforms": VISION,
    "DataBlock": VISION,
    "RandomSplitter": VISION,
    "parent_label": VISION,
    "vision_learner": VISION,
    "fine_tune": VISION | NLP | {"vision/transfer-learning.html"},  # fastai's, and ours for transformers
    "weights_only": VISION | DEPLOY,
    "TextBlock": NLP,
    "text_classifier_learner": NLP | {"nlp/sentiment-rnn.html"},
    "AWD_LSTM": NLP | {"nlp/sentiment-rnn.html"},
    "min_freq": NLP,
    "AutoTokenizer": NLP | {"nlp/sentiment-transformer.html"},
    "tabular_learner": TABULAR,
    "TabularPandas": TABULAR,
    "Categorify": TABULAR,
    "FillMissing": TABULAR,
    "cont_cat_split": TABULAR,
    "RandomForestRegressor": TABULAR | {"tabular/ames-forests.html"},
    "collab_learner": COLLAB,
    "n_factors": COLLAB,
    "y_range": COLLAB,
    "gr.Interface": DEPLOY,
    "load_learner": DEPLOY | VISION,
    "safetensors": DEPLOY,
    "lr_find": FOUNDATIONS,
    "fit_one_cycle": LEARNER | VISION,
    "zero_grad": FOUNDATIONS,
    "requires_grad": BACKPROP,
    "nn.Embedding": COLLAB | TABULAR,
    # this project's own names: their API page stays findable
    "efficientnet_splitter": {"api/snippets/vision/pretrained.html"},
    "conv2d_unfold": {"api/snippets/foundations/convolutions.html"},
    "l2_penalty": {"api/snippets/foundations/weight_decay.html"},
    "load_mnist_flat": {"api/snippets/datasets.html"},
    "BagOfEmbeddings": {"api/snippets/nlp/embeddings.html"},
    "TitanicFeatures": {"api/snippets/foundations/tabular_features.html"},
    # concepts
    "transfer learning": VISION | {"vision/transfer-learning.html"},
    "data augmentation": VISION,
    "confusion matrix": VISION,
    "MultiCategoryBlock": VISION | {"vision/multi-label.html"},
    "accuracy_multi": VISION | {"vision/multi-label.html"},
    "multi-label classification": VISION | {"vision/multi-label.html"},
    "PointBlock": VISION | {"vision/regression.html"},
    "image regression": VISION | {"vision/regression.html"},
    "Grad-CAM": VISION | {"vision/what-the-model-looks-at.html"},
    "class activation map": VISION | {"vision/what-the-model-looks-at.html"},
    "pointing game": VISION | {"vision/what-the-model-looks-at.html"},
    "register_forward_hook": VISION | FOUNDATIONS | {"foundations/activation-stats.html"},
    "discriminative learning rates": VISION | {"vision/transfer-learning.html"},
    "pretrained": VISION | NLP | {"vision/transfer-learning.html", "nlp/sentiment-transformer.html"},
    "sentiment": NLP,
    "language model": NLP | {"nlp/sentiment-rnn.html"},
    "ULMFiT": NLP | {"nlp/sentiment-rnn.html"},
    "phrase similarity": NLP | {"nlp/embeddings.html"},
    "word embeddings": NLP | {"nlp/embeddings.html"},
    "TF-IDF": NLP,
    "random forest": TABULAR | {"tabular/ames-forests.html"},
    "gradient boosting": TABULAR | {"tabular/ames-forests.html"},
    "feature importance": TABULAR | {"tabular/ames-forests.html"},
    "partial dependence": TABULAR | {"tabular/ames-forests.html"},
    "out-of-bag": TABULAR | {"tabular/ames-forests.html"},
    "entity embeddings": TABULAR,
    "one-hot": TABULAR | FOUNDATIONS | {"foundations/titanic-from-scratch.html"},
    "collaborative filtering": COLLAB,
    "latent factors": COLLAB | {"collab/movielens.html"},
    "MovieLens": COLLAB | {"collab/movielens.html"},
    "Gradio": DEPLOY,
    "web app": DEPLOY,
    "Hugging Face Spaces": DEPLOY,
    "stochastic gradient descent": FOUNDATIONS | {"foundations/sgd-from-scratch.html"},
    "training loop": FOUNDATIONS | {"foundations/sgd-from-scratch.html"},
    "learning rate finder": FOUNDATIONS,
    "weight decay": FOUNDATIONS | COLLAB,
    "affine function": FOUNDATIONS,
    "nonlinearity": FOUNDATIONS,
    "parameters and activations": FOUNDATIONS,
    "universal approximation": FOUNDATIONS | {"why-deep-learning.html"},
    "cross entropy": FOUNDATIONS,
    "softmax": FOUNDATIONS,
    "backpropagation": BACKPROP,
    "chain rule": BACKPROP,
    "Adam": BACKPROP,
    "momentum": BACKPROP,
    "RMSProp": BACKPROP,
    "one cycle": LEARNER,
    "callback": LEARNER,
    "early stopping": LEARNER,
    "convolution": CONVOLUTIONS | VISION,
    "batch normalization": CONVOLUTIONS,
    "ResNet": CONVOLUTIONS,
    "activation statistics": FOUNDATIONS | {"foundations/activation-stats.html"},
    "hooks": FOUNDATIONS | {"foundations/activation-stats.html"},
    "Titanic": FOUNDATIONS | {"foundations/titanic-from-scratch.html"},
    "why deep learning": {"why-deep-learning.html"},
    "applications": {"why-deep-learning.html"},
    "freeze": VISION,
    "overfitting": FOUNDATIONS | TABULAR | {"why-deep-learning.html"},
    # word forms and spellings
    "tokenization": NLP,
    "tokenizer": NLP,
    "numericalize": NLP,
    "numericalization": NLP,
    "regularization": FOUNDATIONS | COLLAB,
    "normalize": FOUNDATIONS | TABULAR | VISION,
    "fine-tuning": VISION | NLP | {"vision/transfer-learning.html", "nlp/sentiment-transformer.html"},
    "optimizer": BACKPROP,
    "embeddings": COLLAB | TABULAR | NLP,
    "augmentations": VISION,
    "recommendations": COLLAB,
    "minibatches": FOUNDATIONS,
}
