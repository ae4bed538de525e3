"""The console: a text chat on stdin/stdout for trying Extra Mile on a laptop and for scripts."""
