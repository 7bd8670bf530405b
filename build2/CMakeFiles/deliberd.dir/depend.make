# Empty dependencies file for deliberd.
# This may be replaced when dependencies are built.
