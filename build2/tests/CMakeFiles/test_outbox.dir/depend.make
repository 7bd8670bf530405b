# Empty dependencies file for test_outbox.
# This may be replaced when dependencies are built.
