"""`flask audit`: the shop's invariants checked over the whole database."""
