"""Offgrid core: the offline document library and (later) grounded answers.

Importing this package sets the offline switches of the Hugging Face libraries and chroma
before any of them can be imported, so nothing tries to reach a hub or send telemetry.
"""

import os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)
# Offline is not a preference: a user's own "0" must not turn the hub back on.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

__version__ = "0.1.0"
