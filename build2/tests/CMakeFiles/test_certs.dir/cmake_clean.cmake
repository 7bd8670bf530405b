file(REMOVE_RECURSE
  "CMakeFiles/test_certs.dir/unit/cli/test_certs.c.o"
  "CMakeFiles/test_certs.dir/unit/cli/test_certs.c.o.d"
  "test_certs"
  "test_certs.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_certs.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
