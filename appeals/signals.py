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

# Sent by the appeal's admin page (place="page") and by the registration
# step's form (place="registration") with `appeal` and `request`. A receiver
# may return HTML (a SafeString): a panel the page shows (suggestions: the
# same author, similar appeals, the art. 11 flags). The core imports none.
appeal_panels = Signal()


def collect_panels(sender: object, **kwargs: object) -> list[str]:
    """The non-empty panels the receivers of appeal_panels return, in the order they answered."""
    return [str(panel) for _receiver, panel in appeal_panels.send(sender=sender, **kwargs) if panel]


# Sent by services.terms.recompute_open_terms inside the transaction that moved
# the due dates of open appeals (a change of the working-day calendar), with
# `appeal_ids`: exactly the appeals whose stored dates it changed, at most a
# chunk at a time. Such a change writes no history entry (no step was taken),
# so a capability that keeps figures of the terms follows it here (reports).
terms_moved = Signal()
