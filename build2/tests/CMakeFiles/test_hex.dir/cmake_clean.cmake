file(REMOVE_RECURSE
  "CMakeFiles/test_hex.dir/unit/support/test_hex.c.o"
  "CMakeFiles/test_hex.dir/unit/support/test_hex.c.o.d"
  "test_hex"
  "test_hex.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_hex.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
