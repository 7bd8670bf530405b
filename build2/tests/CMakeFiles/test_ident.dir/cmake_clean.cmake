file(REMOVE_RECURSE
  "CMakeFiles/test_ident.dir/unit/core/test_ident.c.o"
  "CMakeFiles/test_ident.dir/unit/core/test_ident.c.o.d"
  "test_ident"
  "test_ident.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_ident.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
