file(REMOVE_RECURSE
  "CMakeFiles/test_odrl.dir/unit/core/test_odrl.c.o"
  "CMakeFiles/test_odrl.dir/unit/core/test_odrl.c.o.d"
  "test_odrl"
  "test_odrl.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_odrl.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
