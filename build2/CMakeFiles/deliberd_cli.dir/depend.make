# Empty dependencies file for deliberd_cli.
# This may be replaced when dependencies are built.
