"""What ``surveys`` announces to the apps above it, which listen from their ``AppConfig.ready()``.

``surveys`` does not know who listens (outreach opens follow-ups); a lower
app never imports a higher one. Signals are sent inside the writer's
transaction, so that what a listener writes commits or rolls back with the
results: a listener with long work queues it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

# Sent with round_id, ids (a numpy array of the new or edited questionnaires' ids) and their phones
# (a numpy array of the same length), so that a listener can leave out what cannot concern it unread.
questionnaires_saved = Signal()

# Sent with questionnaire (still in the database) before it is deleted; a listener that must keep
# the questionnaire raises ValidationError, which refuses the deletion.
questionnaire_deleting = Signal()
