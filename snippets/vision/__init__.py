"""Computer vision: classify images, see what the model looks at.

1. [`pretrained`][snippets.vision.pretrained]: transfer learning from the ImageNet-pretrained
   EfficientNet-Lite0, its parameter groups and input batches.
2. [`cam`][snippets.vision.cam]: class activation maps and Grad-CAM, read with PyTorch hooks,
   and the pointing game that scores them.
3. [`canvases`][snippets.vision.canvases]: real digits at random positions on larger canvases,
   with the boxes that say where each one is.
4. [`seeds`][snippets.vision.seeds]: whether a training technique's effect is beyond the
   seed-to-seed spread, compared seed by seed.
5. [`speed`][snippets.vision.speed]: images per second of a training step or of inference, and
   bfloat16 mixed precision on a CPU.
6. [`learner_parts`][snippets.vision.learner_parts]: what `vision_learner` builds (the body cut
   from a model, the concat-pooling head), written out in PyTorch and checked against fastai's.
7. [`siamese`][snippets.vision.siamese]: fastai's mid-level data API on pairs of digits ("same
   digit or not"): a pair `Transform`, a `SiameseImage` that shows itself, and a Siamese model.
8. [`segmentation`][snippets.vision.segmentation]: a class for every pixel (background or which
   digit), the masks, and the scores a U-Net is read by.
"""
