# Empty compiler generated dependencies file for layering_http_sees_cli.
# This may be replaced when dependencies are built.
