# Empty dependencies file for gen_extract.
# This may be replaced when dependencies are built.
