"""Answers out: from a question to a grounded, checked answer, and the conversations kept.

- :mod:`~assistant.answers.pipeline`: ``AnswerPipeline``, ``AskOptions`` and the events an
  answer streams (``Asked``, ``Retrieved``, ``Token``, ``Finished``).
- :mod:`~assistant.answers.answer`: ``Answer``, ``Timings`` and the stored, versioned form.
- :mod:`~assistant.answers.evidence`, :mod:`~assistant.answers.abstention`,
  :mod:`~assistant.answers.prompting`, :mod:`~assistant.answers.grounding`,
  :mod:`~assistant.answers.followups`: the pipeline's pure steps (pick evidence, decide to
  abstain, build the prompt within the context, check claims, resolve follow-ups).
- :mod:`~assistant.answers.conversations`: ``ConversationStore``, ``Conversation``, ``Turn``.
- :mod:`~assistant.answers.export`: ``conversation_markdown``.

Nothing is imported here: import from the module.
"""
