"""Signals feedback sends for the capabilities beside it (reports); feedback imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that made or changed satisfaction requests
# without a history entry of the appeal (the sweep that asks, a request made
# at the citizen's first click, the expiry), with `appeal_ids`: the appeals
# whose request it touched. The answer, the details and the head's review
# write the appeal's history and need no signal of their own.
requests_changed = Signal()
