# Empty compiler generated dependencies file for layering_core_sees_store.
# This may be replaced when dependencies are built.
