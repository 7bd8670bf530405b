# Empty compiler generated dependencies file for layering_core_sees_service.
# This may be replaced when dependencies are built.
