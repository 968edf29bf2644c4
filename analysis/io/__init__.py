"""Input and output: downloads, the ``model.json`` contract, atomic writes, provenance, the site build.

Nothing here decides a number or a sentence; these modules move what the model
and report layers computed onto disk (or read it back) safely.
"""
