"""Computer vision: classify images, see what the model looks at.

1. [`pretrained`][snippets.vision.pretrained]: transfer learning from the ImageNet-pretrained
   EfficientNet-Lite0, its parameter groups and input batches.
2. [`cam`][snippets.vision.cam]: class activation maps and Grad-CAM, read with PyTorch hooks,
   and the pointing game that scores them.
3. [`canvases`][snippets.vision.canvases]: real digits at random positions on larger canvases,
   with the boxes that say where each one is.
"""
