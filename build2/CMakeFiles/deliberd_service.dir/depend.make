# Empty dependencies file for deliberd_service.
# This may be replaced when dependencies are built.
