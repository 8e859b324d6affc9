"""Run defaults shared by the Hydra config schema and the Mesa model.

``configs/config.yaml`` takes these through the schema (:mod:`sim.config`), and
``DiplomacyModel()`` uses the same, so a model built without arguments covers the
same months as ``python -m sim``.
"""

DEFAULT_WORLD = "afghanistan"
DEFAULT_START = "2024-03"  # the calibrated state of March 2024 (the evidence's end)
DEFAULT_END = "2029-12"
