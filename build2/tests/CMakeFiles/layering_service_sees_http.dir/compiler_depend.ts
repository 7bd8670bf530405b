# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for layering_service_sees_http.
