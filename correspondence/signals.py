"""Correspondence's receivers of the core's signals (connected when this module is imported by
CorrespondenceConfig.ready)."""
