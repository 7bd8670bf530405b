file(REMOVE_RECURSE
  "CMakeFiles/test_credential.dir/unit/service/test_credential.c.o"
  "CMakeFiles/test_credential.dir/unit/service/test_credential.c.o.d"
  "test_credential"
  "test_credential.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_credential.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
