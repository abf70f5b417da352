"""The one door: what the window, the CLI and the bench call, and every value type they need.

:class:`AssistantService` is the facade over the library (documents in), the answer pipeline
(answers out) and the engines; its dependencies are passed in. Front ends import from here
only (an import-linter contract holds the window to it).
"""

from assistant.answers.answer import Answer, Timings
from assistant.answers.conversations import INTERRUPTED, Conversation, Turn
from assistant.answers.evidence import Evidence
from assistant.answers.export import answer_markdown, conversation_markdown
from assistant.answers.grounding import ClaimCheck
from assistant.answers.pipeline import (
    AnswerEvent,
    Asked,
    AskOptions,
    Finished,
    Retrieved,
    Token,
)
from assistant.answers.prompting import SYSTEM_PROMPT
from assistant.app.answering import Waiting
from assistant.app.service import DEFAULT_COLLECTION, AssistantService, CollectionInfo
from assistant.app.settings import (
    API_HOST,
    API_PORT,
    THEMES,
    LoadedSettings,
    Settings,
    load_settings,
    read_settings,
    save_settings,
)
from assistant.app.watch_door import WatchScan
from assistant.engines.engine import GenerationParams
from assistant.engines.registry import ModelEntry
from assistant.errors import AnswerBusy, AssistantError
from assistant.library.documents import DocumentInfo, Hit
from assistant.library.ingest import FileResult, IngestReport
from assistant.library.loaders import SUPPORTED_SUFFIXES
from assistant.library.watching import WatchedFolder
from assistant.mining.economics import (
    RESULT_FIELDS,
    CalculationError,
    Inputs,
    MinerDay,
    Results,
    all_in_cost_per_btc_usd,
    breakeven_price_usd_kwh,
    calculate,
    energy_cost_per_btc_usd,
    energy_per_btc_kwh,
    hashprice_usd_per_ph_day,
    miner_day,
)
from assistant.mining.figures import Calculation, CalculationInput
from assistant.mining.presets import Preset, Presets, Source, find_tariff, inputs_with, load_presets
from assistant.system.egress import install as install_egress_guard
from assistant.system.logs import Logging, exception_text, log_folder, start_logging
from assistant.system.memory_use import peak_resident_bytes, resident_bytes
from assistant.system.paths import library_dir, resolve_data_dir
from assistant.text.formatting import human_size, location, plural

__all__ = [
    "API_HOST", "API_PORT", "DEFAULT_COLLECTION", "INTERRUPTED", "SUPPORTED_SUFFIXES",
    "SYSTEM_PROMPT", "THEMES",
    "Answer", "AnswerBusy", "AnswerEvent", "Asked", "AskOptions", "AssistantError",
    "AssistantService", "ClaimCheck", "CollectionInfo", "Conversation", "DocumentInfo",
    "Evidence", "FileResult", "Finished",
    "GenerationParams", "Hit", "IngestReport", "LoadedSettings", "ModelEntry", "Retrieved",
    "Settings", "Timings",
    "Token", "Turn", "Waiting", "WatchScan", "WatchedFolder", "answer_markdown",
    "conversation_markdown", "human_size",
    "install_egress_guard", "library_dir", "load_settings", "location", "peak_resident_bytes",
    "resident_bytes",
    "plural", "read_settings", "resolve_data_dir", "save_settings",
    # the local log: a rotating file, native crashes, every uncaught exception
    "Logging", "exception_text", "log_folder", "start_logging",
    # the mining calculator: pure functions (values in, values out) and its cited presets
    "RESULT_FIELDS", "CalculationError", "Inputs", "MinerDay", "Preset", "Presets", "Results",
    "Source",
    "all_in_cost_per_btc_usd", "breakeven_price_usd_kwh", "calculate", "energy_cost_per_btc_usd",
    "energy_per_btc_kwh", "find_tariff", "hashprice_usd_per_ph_day", "inputs_with",
    "load_presets", "miner_day",
    # a computed answer's working (Answer.calculation)
    "Calculation", "CalculationInput",
]
