"""Natural language processing: classify documents and compare phrases.

1. [`text`][snippets.nlp.text]: sentiment classification with fastai (tokenisation,
   numericalisation, an AWD-LSTM) and a TF-IDF baseline.
2. [`pretrained`][snippets.nlp.pretrained]: a pretrained transformer (all-MiniLM-L6-v2),
   fine-tuned for classification or used for sentence vectors.
3. [`embeddings`][snippets.nlp.embeddings]: learned vectors per word, a bag-of-embeddings
   classifier, and a word's nearest neighbours.
4. [`similarity`][snippets.nlp.similarity]: phrase similarity fine-tuned with Hugging Face's
   `Trainer` (a split by words, a tokenised `datasets.Dataset`, Pearson and Spearman).
5. [`language_model`][snippets.nlp.language_model]: a language model from scratch, first steps
   (fastbook chapter 12): the human numbers data made in code, three words in and the next out,
   and the same model as a loop, a recurrent network.
6. [`recurrent`][snippets.nlp.recurrent] and [`awd_lstm`][snippets.nlp.awd_lstm]: the rest of
   chapter 12: state kept across batches, a prediction after every token, stacked layers, an LSTM
   cell from its gates, and the AWD-LSTM's regularisation.
7. [`text_classifier`][snippets.nlp.text_classifier]: what `text_classifier_learner` builds around
   an AWD-LSTM (the text read in chunks, concat pooling over the real tokens, the head), checked
   against fastai's.
"""
