file(REMOVE_RECURSE
  "CMakeFiles/test_cfgnum.dir/unit/support/test_cfgnum.c.o"
  "CMakeFiles/test_cfgnum.dir/unit/support/test_cfgnum.c.o.d"
  "test_cfgnum"
  "test_cfgnum.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cfgnum.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
