# Empty compiler generated dependencies file for layering_cli_sees_http.
# This may be replaced when dependencies are built.
