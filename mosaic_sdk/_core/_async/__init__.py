"""Asynchronous source of the _core twins; the blocking versions are generated into _sync/."""
