# Empty dependencies file for test_cfgnum.
# This may be replaced when dependencies are built.
