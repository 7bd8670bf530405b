# Empty dependencies file for test_certs.
# This may be replaced when dependencies are built.
