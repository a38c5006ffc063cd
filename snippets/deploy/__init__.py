"""Turning a model into a web app: train, export without pickle, serve with Gradio.

1. [`digits_model`][snippets.deploy.digits_model]: train the digit classifier and export it
   (`python -m snippets.deploy.digits_model`, or `make model`).
2. [`export`][snippets.deploy.export]: save a model as safetensors + JSON, and load it back
   without unpickling anything.
3. [`app`][snippets.deploy.app]: the Gradio app, with clear errors for bad uploads
   (`python -m snippets.deploy.app`, or `make app`).
4. [`domain`][snippets.deploy.domain]: the check that refuses images unlike the training digits.
5. [`not_digits`][snippets.deploy.not_digits]: images that are not digits, and the share refused.
"""
