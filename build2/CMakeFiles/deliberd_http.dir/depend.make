# Empty dependencies file for deliberd_http.
# This may be replaced when dependencies are built.
