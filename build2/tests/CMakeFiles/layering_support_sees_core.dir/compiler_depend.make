# Empty compiler generated dependencies file for layering_support_sees_core.
# This may be replaced when dependencies are built.
