# Empty dependencies file for deliberd_support.
# This may be replaced when dependencies are built.
