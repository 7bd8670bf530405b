# Empty dependencies file for layering_service_sees_cli.
# This may be replaced when dependencies are built.
