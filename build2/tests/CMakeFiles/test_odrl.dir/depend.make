# Empty dependencies file for test_odrl.
# This may be replaced when dependencies are built.
