# Empty dependencies file for test_hex.
# This may be replaced when dependencies are built.
