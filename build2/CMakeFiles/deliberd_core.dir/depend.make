# Empty dependencies file for deliberd_core.
# This may be replaced when dependencies are built.
