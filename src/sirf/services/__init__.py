"""Use cases: one function per action, one transaction each (state + timeline + effects together)."""
