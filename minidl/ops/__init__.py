"""Autograd Functions, one file per family. Each op's math is written once,
over backend primitives, so it runs unchanged on every device."""
