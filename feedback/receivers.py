"""Receivers of the core's signals: the satisfaction key is made when the answer is signed."""
