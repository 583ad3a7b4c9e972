"""Staff accounts: who may grant what, the audit of rights, sign-in and the second factor."""
