# Empty compiler generated dependencies file for layering_ok.
# This may be replaced when dependencies are built.
