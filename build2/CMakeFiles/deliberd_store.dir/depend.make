# Empty dependencies file for deliberd_store.
# This may be replaced when dependencies are built.
