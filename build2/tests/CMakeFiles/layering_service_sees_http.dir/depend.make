# Empty dependencies file for layering_service_sees_http.
# This may be replaced when dependencies are built.
