# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for layering_store_sees_service.
