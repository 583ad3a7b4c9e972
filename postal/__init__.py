"""Postal replies: the clerk's print queue, batches, envelopes, the registered-mail list, tracking and returns.

A capability beside the core (STYLE.md): it builds on letters.PostalLetter,
which the letters app makes when a reply goes by post, and calls the core's
services; appeals and letters do not import it.
"""
