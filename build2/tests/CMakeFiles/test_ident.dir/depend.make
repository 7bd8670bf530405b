# Empty dependencies file for test_ident.
# This may be replaced when dependencies are built.
