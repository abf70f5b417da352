"""The errors the core raises, each with a message a user can act on."""


class AssistantError(Exception):
    """Base of every error the core reports to a front end."""


class IngestError(AssistantError):
    """A file could not be added to the library; the message says why."""


class StoreError(AssistantError):
    """The document store or vector index cannot be opened or written."""


class ModelError(AssistantError):
    """A model file is missing, unreadable or not a usable model."""


class EngineCrashed(ModelError):
    """The model engine's process ended in the middle of a request; it is being restarted."""


class AnswerBusy(AssistantError):
    """Another answer is being written, and this one could not wait for it to end."""
