# Empty dependencies file for test_credential.
# This may be replaced when dependencies are built.
