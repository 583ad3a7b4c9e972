"""Signals the core sends for the capabilities beside it (feedback, reports); the core imports none of them."""

from django.dispatch import Signal

# Sent by services.handling.sign_answer inside its transaction, once the
# answer is signed and before its letter is rendered, with `appeal`, `answer`
# and `user`. A receiver may return a string: a paragraph added to the letter
# after the answer's text (feedback: how to rate the answer). A receiver that
# raises rolls the signing back.
answer_signed = Signal()

# Sent by services.handling.preview_answer_pdf (nothing is stored), with `appeal`,
# `answer` and `user`. A receiver of answer_signed that adds a paragraph to a
# postal letter returns here the same paragraph as it will read, with what is
# made only at signing (a code) shown blank, so that the head's preview is the
# letter that will go.
answer_previewed = Signal()
