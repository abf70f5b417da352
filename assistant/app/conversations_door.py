"""The conversations part of the app's door: list, rename, delete and export them."""

from __future__ import annotations

from assistant.answers.answer import Answer
from assistant.answers.conversations import Conversation, ConversationStore, Turn
from assistant.answers.export import conversation_markdown
from assistant.answers.pipeline import stored_answer
from assistant.errors import AssistantError


class ConversationsDoor:
    """What :class:`~assistant.app.service.AssistantService` offers on stored conversations
    (kept in ``_conversations``, which the service opens)."""

    _conversations: ConversationStore

    def new_conversation(self, title: str) -> Conversation:
        """Start a conversation; its turns are kept in the data directory."""
        return self._conversations.create(title)

    def conversation_turns(self, conversation_id: int) -> list[Turn]:
        """A conversation's turns, oldest first."""
        return self._conversations.turns(conversation_id)

    def conversation_answers(self, conversation_id: int) -> list[Answer]:
        """A stored conversation's answers, as the pipeline gave them; an interrupted one as
        far as it was written (and shown)."""
        return [stored_answer(turn) for turn in self._conversations.turns(conversation_id)]

    def list_conversations(self, search: str = "") -> list[Conversation]:
        """Conversations, newest first; with ``search``, those that mention it."""
        return self._conversations.search(search) if search.strip() else self._conversations.list()

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title (not empty)."""
        if not title.strip():
            raise AssistantError("a conversation needs a title")
        self._conversations.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and its turns."""
        if not self._conversations.delete(conversation_id):
            raise AssistantError(f"no conversation {conversation_id}")

    def export_conversation(self, conversation_id: int) -> str:
        """A conversation as Markdown with its citations, evidence and sources."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            raise AssistantError(f"no conversation {conversation_id}")
        return conversation_markdown(conversation.title,
                                     self.conversation_answers(conversation_id))
