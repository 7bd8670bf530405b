# Empty dependencies file for layering_store_sees_service.
# This may be replaced when dependencies are built.
