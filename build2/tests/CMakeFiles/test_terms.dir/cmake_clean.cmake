file(REMOVE_RECURSE
  "CMakeFiles/test_terms.dir/unit/core/test_terms.c.o"
  "CMakeFiles/test_terms.dir/unit/core/test_terms.c.o.d"
  "test_terms"
  "test_terms.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_terms.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
