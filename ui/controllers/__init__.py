"""The window's link to the core: controllers that hold no widgets, tested without a window.

Each controller takes the shared :class:`Session`, never another controller; a write's
``Session.changed`` tells each of them what to reload.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.controllers.api import ApiController
from ui.controllers.chat import ChatController
from ui.controllers.conversations import ConversationsController
from ui.controllers.library import LibraryController
from ui.controllers.mining import MiningController
from ui.controllers.models import ModelsController
from ui.controllers.session import (
    Changes,
    ModelLoader,
    ServiceFactory,
    Session,
    configured_model_loader,
    default_service_factory,
)
from ui.controllers.watching import WatchController

__all__ = ["ApiController", "Changes", "ChatController", "Controllers", "ConversationsController",
           "LibraryController", "MiningController", "ModelsController", "Session",
           "WatchController", "default_service_factory"]


@dataclass(frozen=True)
class Controllers:
    """The session and a controller for each part of the window."""

    session: Session
    chat: ChatController
    conversations: ConversationsController
    models: ModelsController
    library: LibraryController
    api: ApiController
    mining: MiningController
    watching: WatchController

    @classmethod
    def create(cls, open_service: ServiceFactory, *,
               load_model: ModelLoader = configured_model_loader) -> Controllers:
        """A session over ``open_service`` and the controllers that share it."""
        session = Session(open_service, load_model=load_model)
        return cls(session, ChatController(session), ConversationsController(session),
                   ModelsController(session), LibraryController(session),
                   ApiController(session), MiningController(session), WatchController(session))
