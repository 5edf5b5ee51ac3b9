"""The pure domain: the framework's rules (F1-F10) with no I/O, no clock and no framework imports."""
