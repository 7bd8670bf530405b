file(REMOVE_RECURSE
  "CMakeFiles/test_personset.dir/unit/core/test_personset.c.o"
  "CMakeFiles/test_personset.dir/unit/core/test_personset.c.o.d"
  "test_personset"
  "test_personset.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_personset.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
