# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for layering_core_sees_service.
