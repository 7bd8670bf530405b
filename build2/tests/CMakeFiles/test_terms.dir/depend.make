# Empty dependencies file for test_terms.
# This may be replaced when dependencies are built.
