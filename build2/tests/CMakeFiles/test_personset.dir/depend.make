# Empty dependencies file for test_personset.
# This may be replaced when dependencies are built.
